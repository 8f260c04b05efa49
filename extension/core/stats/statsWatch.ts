// Watching a host's program statistics: stats.start once, a stats.sample every interval, rates between consecutive
// samples handed to `onRates`, and stats.stop when stopped, so the agent can turn the kernel's statistics off
// again. Used by `ebpf-netdebug top` and the editor's statistics view.
import type { StatsMode, StatsSample } from '../../../protocol/agent';
import type { AgentClient } from '../agentClient';
import { programRates, type ProgramRate } from './rates';

export interface StatsTick {
  at: number;
  intervalS: number;
  rates: ProgramRate[];
  sample: StatsSample;
}

export class StatsWatch {
  private timer: NodeJS.Timeout | undefined;
  private subscription: string | undefined;
  private prev: StatsSample | undefined;
  private stopped = false;
  mode: StatsMode | undefined;

  constructor(
    private readonly client: AgentClient,
    private readonly intervalMs: number,
    private readonly onRates: (t: StatsTick) => void,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<StatsMode> {
    const r = await this.client.statsStart();
    this.subscription = r.subscription;
    this.mode = r.mode;
    this.prev = await this.client.statsSample();
    this.schedule();
    return r.mode;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  private async tick(): Promise<void> {
    try {
      const cur = await this.client.statsSample();
      if (this.stopped) return;
      const prev = this.prev!;
      this.prev = cur;
      this.onRates({ at: Date.now(), intervalS: (cur.atNs - prev.atNs) / 1e9, rates: programRates(prev, cur), sample: cur });
    } catch (e) {
      if (!this.stopped) this.onError(e);
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const sub = this.subscription;
    this.subscription = undefined;
    if (sub) await this.client.statsStop({ subscription: sub }).catch(() => undefined);
  }
}
