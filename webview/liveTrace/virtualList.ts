// A virtualized list over a fixed row height: a spacer as tall as all rows gives the scrollbar its range, and a
// small pool of row elements (as many as fit on screen, plus one) is re-filled for the visible slice. Rendering
// is batched into one animation frame however many batches arrive in between.
export interface VirtualSource<T> {
  count(): number;
  at(i: number): T | undefined;
  /** What identifies row i's content (it changes when another item takes place i). */
  key(i: number): number;
}

export interface VirtualListOptions<T> {
  rowHeight: number;
  /** Builds the cells of a pooled row once. */
  createRow(): HTMLElement;
  /** Writes one item into a pooled row (with textContent only). */
  fillRow(row: HTMLElement, item: T, index: number): void;
  /** Called when follow-tail turns on or off because of the user's scrolling. */
  onFollowChange(follow: boolean): void;
}

export class VirtualList<T> {
  readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  /** What each pooled row shows now, so a render touches only rows whose content changed. */
  private shownKey: (number | undefined)[] = [];
  private readonly shownIndex: number[] = [];
  private spacerHeight = -1;
  private rowCount = -1;
  private follow = true;
  private frame = 0;
  /** scrollTop we set ourselves, so our own scrolling does not read as the user's. */
  private ownScrollTop = -1;
  /** Rows actually painted since creation (for the benchmark's "lines rendered"). */
  renderedRows = 0;
  renders = 0;

  constructor(
    private readonly source: VirtualSource<T>,
    private readonly opts: VirtualListOptions<T>,
    label: string,
  ) {
    this.viewport = document.createElement('div');
    this.viewport.className = 'viewport';
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('role', 'table');
    this.viewport.setAttribute('aria-label', label);
    this.spacer = document.createElement('div');
    this.spacer.className = 'spacer';
    this.spacer.setAttribute('role', 'rowgroup');
    this.viewport.append(this.spacer);
    this.viewport.addEventListener('scroll', () => this.onScroll());
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.invalidate()).observe(this.viewport);
  }

  get following(): boolean {
    return this.follow;
  }

  setFollow(follow: boolean): void {
    if (this.follow === follow) return;
    this.follow = follow;
    this.opts.onFollowChange(follow);
    this.invalidate();
  }

  /** Forgets what the rows show (the source was cleared or rebuilt), then renders. */
  reset(): void {
    this.shownKey = this.shownKey.map(() => undefined);
    this.invalidate();
  }

  /** Schedules one render in the next frame. */
  invalidate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    this.renders++;
    const h = this.opts.rowHeight;
    const n = this.source.count();
    // Read layout first, then write: a read after a write would force a synchronous layout every frame.
    const height = this.viewport.clientHeight;
    let top = this.viewport.scrollTop;
    const total = n * h;
    if (this.spacerHeight !== total) {
      this.spacer.style.height = `${total}px`;
      this.spacerHeight = total;
    }
    if (this.rowCount !== n) {
      this.viewport.setAttribute('aria-rowcount', String(n));
      this.rowCount = n;
    }
    if (this.follow) {
      const bottom = Math.max(0, total - height);
      if (Math.abs(top - bottom) > 1) {
        this.viewport.scrollTop = bottom;
        top = bottom;
        this.ownScrollTop = bottom;
      }
    }
    const first = Math.max(0, Math.min(Math.floor(top / h), n - 1));
    const visible = Math.max(0, Math.min(n - first, Math.ceil(height / h) + 1));
    while (this.pool.length < visible) {
      const row = this.opts.createRow();
      row.setAttribute('role', 'row');
      this.pool.push(row);
      this.shownKey.push(undefined);
      this.spacer.append(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k];
      const index = first + k;
      if (k >= visible) {
        if (!row.hidden) row.hidden = true;
        this.shownKey[k] = undefined;
        continue;
      }
      if (row.hidden) row.hidden = false;
      if (this.shownIndex[k] !== index) {
        row.style.transform = `translateY(${index * h}px)`;
        row.setAttribute('aria-rowindex', String(index + 1));
        this.shownIndex[k] = index;
      }
      // Unchanged rows (scrolled back, or nothing new) keep their text: no DOM work.
      const key = this.source.key(index);
      if (this.shownKey[k] === key) continue;
      const item = this.source.at(index);
      if (item === undefined) continue;
      this.shownKey[k] = key;
      this.opts.fillRow(row, item, index);
      this.renderedRows++;
    }
  }

  private onScroll(): void {
    const top = this.viewport.scrollTop;
    if (Math.abs(top - this.ownScrollTop) <= 1) {
      this.invalidate();
      return;
    }
    this.ownScrollTop = -1;
    const atBottom = top + this.viewport.clientHeight >= this.viewport.scrollHeight - this.opts.rowHeight;
    this.setFollow(atBottom);
    this.invalidate();
  }

  private onKey(e: KeyboardEvent): void {
    const h = this.opts.rowHeight;
    const page = Math.max(h, this.viewport.clientHeight - h);
    const moves: Record<string, number> = { ArrowDown: h, ArrowUp: -h, PageDown: page, PageUp: -page };
    if (e.key in moves) this.viewport.scrollTop += moves[e.key];
    else if (e.key === 'Home') this.viewport.scrollTop = 0;
    else if (e.key === 'End') {
      this.setFollow(true);
    } else return;
    e.preventDefault();
  }
}
