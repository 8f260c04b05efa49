// `host.ping`: a health probe run ON the host (a fleet rollout checks that a host still reaches its neighbour after
// an attach). ping runs with an argument array; the target is checked to be an address or a host name first, so it
// can never be read as an option.
import type { HostPingResult } from '../../protocol/agent';
import type { AgentContext } from '../core/context';
import { badArgument } from '../core/errors';
import { requireObject } from '../core/validate';

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/;
const V6 = /^[0-9A-Fa-f:.]{2,45}$/;

export function validatePingTarget(value: unknown): string {
  if (typeof value !== 'string' || !(NAME.test(value) || (value.includes(':') && V6.test(value)))) {
    throw badArgument('target', `expected an IPv4/IPv6 address or a host name, got ${JSON.stringify(value)}`);
  }
  return value;
}

export async function hostPing(ctx: AgentContext, raw: unknown): Promise<HostPingResult> {
  const p = requireObject(raw, 'host.ping');
  const target = validatePingTarget(p.target);
  const count = p.count === undefined ? 3 : p.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 20)
    throw badArgument('count', 'expected a whole number from 1 to 20');
  const waitS = p.waitS === undefined ? 1 : p.waitS;
  if (typeof waitS !== 'number' || !Number.isInteger(waitS) || waitS < 1 || waitS > 10)
    throw badArgument('waitS', 'expected whole seconds from 1 to 10');
  const argv = ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', String(waitS), target];
  const r = await ctx.run(argv, { allowFailure: true, timeoutMs: (count * 0.2 + waitS + 5) * 1000 });
  const received = Number(/(\d+) (?:packets )?received/.exec(r.stdout)?.[1] ?? 0);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  return {
    target,
    sent: count,
    received,
    ...(rtt ? { avgRttMs: Number(rtt[1]) } : {}),
    output: (r.stdout + r.stderr).trim().split('\n').slice(-3).join('\n'),
  };
}
