// The packet path tracer's fallback through bpftrace, chosen because this host's bpftool 7.1 cannot autoattach.
import { packetPathScenarios } from './scenarios';

packetPathScenarios('bpftrace', 'ppf');
