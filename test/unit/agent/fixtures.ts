// Reads the real bpftool/trace_pipe/verifier captures kept in test/fixtures/agent/ (see its README).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../fixtures/agent');
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
export const VERSIONS = ['71', '75'] as const;
