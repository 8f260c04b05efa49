// Program -> section of real BPF objects compiled from the fixtures (clang 14, -O2 -g -target bpf).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { elfPrograms } from '../../../remote-agent/objects/elfPrograms';
import { FIXTURES } from './fixtures';

it('finds each program and its section', () => {
  assert.deepEqual(elfPrograms(readFileSync(join(FIXTURES, 'xdp_pass.o'))), [{ name: 'xdp_pass_prog', section: 'xdp' }]);
  assert.deepEqual(elfPrograms(readFileSync(join(FIXTURES, 'sockops_min.o'))), [
    { name: 'min_sockops', section: 'sockops' },
    { name: 'min_skmsg', section: 'sk_msg' },
  ]);
  assert.deepEqual(elfPrograms(readFileSync(join(FIXTURES, 'tp_marker.o'))), [
    { name: 'tp_net_dev_queue', section: 'tracepoint/net/net_dev_queue' },
  ]);
});

it('refuses what is not an ELF object', () => {
  assert.throws(() => elfPrograms(Buffer.from('not an object at all, but long enough to have a header of sixty-four bytes')), /not an ELF/);
});
