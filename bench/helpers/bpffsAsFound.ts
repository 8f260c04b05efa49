// Imported first by every bench that starts an agent or attaches with iproute2: when the bench exits, the shared
// bpffs directories it created (our pin home, iproute2's tc/globals and its ip, xdp links) go again if empty, as
// the test runner does after a run (scripts/bpffsAsFound.mjs).
// @ts-expect-error: a plain .mjs module shared with scripts/run-tests.mjs, without type declarations
import { keepBpffsAsFound } from '../../scripts/bpffsAsFound.mjs';

process.once('exit', (keepBpffsAsFound as () => () => void)());
