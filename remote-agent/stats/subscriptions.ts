// stats.start / stats.stop / stats.sample: statistics are on while at least one subscription of this agent lives
// (a statistics view, `ebpf-netdebug top`); the last stats.stop releases the holder (enableStats.ts), and so does
// the agent's death. Statistics found on already (somebody set the sysctl) are left as they are.
import type { StatsMode, StatsSample } from '../../protocol/agent';
import type { AgentContext } from '../core/context';
import { notFound } from '../core/errors';
import { requireObject } from '../core/validate';
import { enableStats, sysctlValue, type StatsHolder } from './enableStats';
import { statsSample } from './sample';

export class StatsSubscriptions {
  private readonly subs = new Set<string>();
  private holder: StatsHolder | undefined;
  private mode: StatsMode | undefined;
  /** Serialises start/stop so a stop racing a start never leaves a holder behind. */
  private queue: Promise<unknown> = Promise.resolve();
  private next = 1;

  constructor(private readonly ctx: AgentContext) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const p = this.queue.then(work);
    this.queue = p.catch(() => undefined);
    return p;
  }

  start(): Promise<{ subscription: string; mode: StatsMode }> {
    return this.serial(async () => {
      if (!this.mode) {
        if (sysctlValue() === 1) {
          this.mode = 'already';
        } else {
          this.holder = await enableStats((message) => this.ctx.log({ level: 'info', message }));
          this.mode = this.holder.mode;
        }
      }
      const subscription = `stats-${this.next++}`;
      this.subs.add(subscription);
      return { subscription, mode: this.mode };
    });
  }

  stop(raw: unknown): Promise<{ stopped: boolean; statsOn: boolean }> {
    return this.serial(async () => {
      const id = requireObject(raw, 'stats.stop').subscription;
      if (typeof id !== 'string' || !this.subs.has(id)) throw notFound('subscription', `no statistics subscription "${String(id)}"`);
      this.subs.delete(id);
      if (this.subs.size === 0) await this.releaseAll();
      return { stopped: true, statsOn: this.subs.size > 0 || this.mode === 'already' };
    });
  }

  sample(): Promise<StatsSample> {
    return statsSample(this.ctx, this.subs.size > 0 || sysctlValue() === 1);
  }

  /** Ends the holder (also at shutdown). */
  async releaseAll(): Promise<void> {
    const h = this.holder;
    this.holder = undefined;
    this.mode = undefined;
    this.subs.clear();
    await h?.release();
  }
}
