// The packet path tracer with bpftool 7.5 (autoattach, pinned links): see scenarios.ts.
import { packetPathScenarios } from './scenarios';

packetPathScenarios('bpftool', 'ppt');
