// The fleet form of a command (`--hosts` / `--inventory` given): info, list, detach, attach and trace on several
// hosts. attach with --rollout goes through the rollout engine; trace --source packet-path joins packets across
// hosts; the rest runs the single-host command once per host (fleetRun.ts).
import { usageError } from './cliError';
import { fleetTraceCommand } from './commands/fleetTrace';
import { takeFleetOptions } from './fleetOptions';
import { printFleetResults, runOnHosts, type Command, type DescribeFailure } from './fleetRun';
import type { CliContext } from './io';
import { rolloutAttach, wantsRollout } from './rolloutAttach';

export const FLEET_COMMANDS = ['info', 'list', 'attach', 'detach', 'trace'];

export async function runFleetCommand(
  name: string,
  argv0: string[],
  ctx: CliContext,
  commands: Record<string, Command>,
  describe: DescribeFailure,
): Promise<number> {
  if (!FLEET_COMMANDS.includes(name)) throw usageError(`${name}: --hosts/--inventory apply to ${FLEET_COMMANDS.join(', ')}`);
  const { fleet, argv } = takeFleetOptions(name, argv0, ctx.env);
  if (name === 'attach' && wantsRollout(argv)) return rolloutAttach(commands.attach, commands.detach, argv, ctx, fleet, describe);
  if (wantsRollout(argv)) throw usageError(`${name}: --rollout applies to attach`);
  if (argv.some((a) => a === '--netns-scope' || a.startsWith('--netns-scope=')) && name !== 'trace')
    throw usageError(`${name}: --netns-scope applies to trace --source packet-path`);
  if (name === 'trace') {
    const i = argv.findIndex((a) => a === '--source' || a.startsWith('--source='));
    const source = i < 0 ? 'trace_pipe' : argv[i] === '--source' ? argv[i + 1] : argv[i].slice('--source='.length);
    if (source === 'packet-path' || source === 'packet_path')
      return fleetTraceCommand(
        argv.filter((_a, j) => j !== i && !(argv[i] === '--source' && j === i + 1)),
        ctx,
        fleet,
      );
    if (argv.some((a) => a.startsWith('--netns-scope'))) throw usageError('trace: --netns-scope applies to --source packet-path');
  }
  const results = await runOnHosts(commands[name], argv, fleet.hosts, ctx, fleet.bounds, describe);
  // The command line itself was wrong (every host refused it before connecting): say it once, as a usage error.
  const usage = results.map((r) => (!r.ok && (r.error as Error & { exitCode?: number }).exitCode === 2 ? r.error.message : undefined));
  if (usage.every((u) => u !== undefined) && new Set(usage).size === 1) throw usageError(usage[0]!);
  return printFleetResults(name, argv, results, ctx.io, argv.includes('--json'));
}
