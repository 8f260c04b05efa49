// Starts the watchdog from source (what `agent.js --watchdog PLANFILE` does in the bundle), for
// test/ssh/watchdog.test.ts, which tests remote-agent/safety/deadman.ts as it is in the tree.
import { runWatchdog, watchdogPlanFromArgv } from '../../../remote-agent/safety/deadman';

const plan = watchdogPlanFromArgv();
if (!plan) {
  process.stderr.write('usage: watchdogEntry.ts --watchdog PLANFILE\n');
  process.exit(2);
}
void runWatchdog(plan);
