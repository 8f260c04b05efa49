// A sortable, filterable table for the listings and the ELF inspector. Cells are written with textContent (or a
// cell builder that returns elements it made itself); header buttons sort, with aria-sort telling screen readers.
import { el } from './dom';

export interface Column<T> {
  key: string;
  label: string;
  /** Right-aligned and compared as numbers. */
  numeric?: boolean;
  value(row: T): string | number | undefined;
  /** Optional richer cell (a button, a link); default: the value as text. */
  cell?(row: T): Node;
}

export interface TableOptions<T> {
  label: string;
  columns: Column<T>[];
  rowKey(row: T): string;
  /** Enter or double-click on a row. */
  onActivate?(row: T): void;
  sort?: { column: string; descending: boolean };
  onSortChange?(sort: { column: string; descending: boolean }): void;
  empty: string;
}

export class SortableTable<T> {
  readonly element: HTMLElement;
  private rows: T[] = [];
  private filterText = '';
  private sort: { column: string; descending: boolean };
  private readonly table = el('table', { class: 'grid' });
  private readonly tbody = el('tbody');
  private readonly emptyNote: HTMLElement;
  private readonly headers = new Map<string, HTMLElement>();

  constructor(private readonly opts: TableOptions<T>) {
    this.sort = opts.sort ?? { column: opts.columns[0].key, descending: false };
    this.table.setAttribute('aria-label', opts.label);
    const tr = el('tr');
    for (const c of opts.columns) {
      const th = el('th', { scope: 'col', class: c.numeric ? 'num' : '', tabindex: '0', 'data-column': c.key }, c.label);
      th.addEventListener('click', () => this.sortBy(c.key));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.sortBy(c.key);
        }
      });
      this.headers.set(c.key, th);
      tr.append(th);
    }
    this.table.append(el('thead', {}, tr), this.tbody);
    this.emptyNote = el('div', { class: 'empty' }, opts.empty);
    this.element = el('div', { class: 'table-wrap' }, this.table, this.emptyNote);
  }

  setRows(rows: T[]): void {
    this.rows = rows;
    this.render();
  }
  setFilter(text: string): void {
    this.filterText = text.toLowerCase();
    this.render();
  }
  get sortState(): { column: string; descending: boolean } {
    return { ...this.sort };
  }

  sortBy(column: string, descending?: boolean): void {
    this.sort = { column, descending: descending ?? (this.sort.column === column ? !this.sort.descending : false) };
    this.opts.onSortChange?.(this.sortState);
    this.render();
  }

  private render(): void {
    const col = this.opts.columns.find((c) => c.key === this.sort.column) ?? this.opts.columns[0];
    for (const [key, th] of this.headers) {
      if (key === col.key) th.setAttribute('aria-sort', this.sort.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    const shown = this.rows.filter(
      (r) =>
        !this.filterText ||
        this.opts.columns.some((c) =>
          String(c.value(r) ?? '')
            .toLowerCase()
            .includes(this.filterText),
        ),
    );
    const sign = this.sort.descending ? -1 : 1;
    shown.sort((a, b) => {
      const x = col.value(a),
        y = col.value(b);
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (col.numeric ? Number(x) - Number(y) : String(x).localeCompare(String(y), 'en', { numeric: true })) * sign;
    });
    this.tbody.replaceChildren(...shown.map((r) => this.renderRow(r)));
    this.emptyNote.hidden = shown.length > 0;
    this.emptyNote.textContent = this.rows.length ? 'No rows match the filter.' : this.opts.empty;
  }

  private renderRow(r: T): HTMLElement {
    const tr = el('tr', { 'data-key': this.opts.rowKey(r) });
    for (const c of this.opts.columns) {
      const td = el('td', { class: c.numeric ? 'num' : '' });
      if (c.cell) td.append(c.cell(r));
      else td.textContent = String(c.value(r) ?? '');
      tr.append(td);
    }
    if (this.opts.onActivate) {
      tr.tabIndex = 0;
      const activate = () => this.opts.onActivate!(r);
      tr.addEventListener('dblclick', activate);
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && e.target === tr) activate();
      });
    }
    return tr;
  }
}
