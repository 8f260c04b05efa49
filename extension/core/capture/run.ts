// A verdict capture from the client's side: capture.start, the packets as they come (capture.packets), capture.stop
// with the kernel's counts. Used by the CLI (`attach ... --capture`) and the editor's packet list.
import type { Disposable } from 'vscode-jsonrpc';
import type { CaptureInfo, CaptureSummary, CapturedPacket, PacketFilter } from '../../../protocol/types';
import type { AgentClient } from '../agentClient';

export interface CaptureRunOptions {
  attachment: string;
  /** The instrumented object (buildInstrumented). */
  object: Buffer;
  program?: string;
  filter?: PacketFilter;
  snapLength?: number;
  /** Each batch as it arrives; `lost` counts packets lost since the previous batch. */
  onPackets?: (packets: CapturedPacket[], lost: number) => void;
}

export class CaptureRun {
  private constructor(
    private readonly client: AgentClient,
    readonly info: CaptureInfo,
    private readonly subscription: Disposable,
    private readonly counts: { received: number; lost: number },
  ) {}

  /** Packets received and losses reported so far. */
  get received(): number {
    return this.counts.received;
  }
  get lostSoFar(): number {
    return this.counts.lost;
  }

  static async start(client: AgentClient, o: CaptureRunOptions): Promise<CaptureRun> {
    const counts = { received: 0, lost: 0 };
    let id: string | undefined;
    const early: { packets: CapturedPacket[]; lost: number }[] = [];
    // Subscribe before asking: the first packets may arrive before the reply that names the capture.
    const subscription = client.onCapturePackets((p) => {
      if (id === undefined) return void early.push({ packets: p.packets, lost: p.lost });
      if (p.capture !== id) return;
      counts.received += p.packets.length;
      counts.lost += p.lost;
      o.onPackets?.(p.packets, p.lost);
    });
    try {
      const info = await client.captureStart({
        attachment: o.attachment,
        object: o.object.toString('base64'),
        program: o.program,
        filter: o.filter,
        snapLength: o.snapLength,
      });
      id = info.capture;
      // Notifications and the reply travel in order on one stream: anything before the reply was this capture's
      // only if no other capture runs on this client; the agent sends none before the swap, which precedes the reply.
      for (const e of early) {
        counts.received += e.packets.length;
        counts.lost += e.lost;
        o.onPackets?.(e.packets, e.lost);
      }
      return new CaptureRun(client, info, subscription, counts);
    } catch (e) {
      subscription.dispose();
      throw e;
    }
  }

  /** Puts the plain program back and returns the kernel's counts; every packet notification has arrived by then. */
  async stop(): Promise<CaptureSummary> {
    try {
      return await this.client.captureStop({ capture: this.info.capture });
    } finally {
      this.subscription.dispose();
    }
  }
}
