// ping inside a namespace, parsed into what a user reads off its output: how many went out, how many came back,
// and each reply's sequence number and TTL.
import { inNetns } from './netns';

export interface PingReply {
  seq: number;
  ttl: number;
  timeMs: number;
}
export interface PingResult {
  transmitted: number;
  received: number;
  lossPercent: number;
  replies: PingReply[];
  output: string;
}

export interface PingOptions {
  /** Echo requests to send (default 10). */
  count?: number;
  /** Seconds between requests (default 0.2: root may go below ping's 1 s default). */
  interval?: number;
  /** Seconds to wait for the last reply (default 1). */
  wait?: number;
}

export async function ping(netns: string, destination: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 10;
  const argv = ['ping', '-n', '-c', String(count), '-i', String(opts.interval ?? 0.2), '-W', String(opts.wait ?? 1), destination];
  // ping exits 1 when replies are missing: that is a result here, not an error.
  const r = await inNetns(netns, argv, { timeoutMs: 10_000 + count * 2_000 });
  return parsePing(r.stdout + r.stderr);
}

/** Ping loss in percent, 100 also when ping printed no summary (no route, an interface that is down). */
export async function pingLoss(netns: string, destination: string, count = 3): Promise<number> {
  const r = await inNetns(netns, ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '1', destination], { timeoutMs: 20_000 });
  const m = /(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout);
  return m ? Number(m[1]) : 100;
}

export function parsePing(output: string): PingResult {
  const replies: PingReply[] = [];
  for (const m of output.matchAll(/icmp_seq=(\d+) ttl=(\d+) time=([\d.]+)/g)) {
    replies.push({ seq: Number(m[1]), ttl: Number(m[2]), timeMs: Number(m[3]) });
  }
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(output);
  if (!summary) throw new Error(`ping printed no summary:\n${output}`);
  const transmitted = Number(summary[1]);
  const received = Number(summary[2]);
  const lossPercent = transmitted ? Math.round(((transmitted - received) * 100) / transmitted) : 0;
  return { transmitted, received, lossPercent, replies, output };
}
