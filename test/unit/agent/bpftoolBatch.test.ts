// bpftool's JSON batch output split per command (remote-agent/listings/batch.ts): the outputs of real runs of
// `bpftool -j batch file -` on this machine's shapes (bpftool 7.1 and 7.5 print the same wrapper): every command's
// list, the failing command's own error, and "no answer" for the commands after it (bpftool stops there).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchOutputs } from '../../../remote-agent/listings/batch';

test("one list per command; a failure is that command's own error and stops the rest", () => {
  const ok =
    '[{"command":["prog","show"],"output":[{"id":7,"type":"xdp","name":"p"}]},{"command":["map","show"],"output":[]},' +
    '{"command":["net","show"],"output":[{"xdp":[],"tc":[],"flow_dissector":[],"netfilter":[]}]}]\n';
  const r = batchOutputs(ok, 3);
  assert.deepEqual(r, [[{ id: 7, type: 'xdp', name: 'p' }], [], [{ xdp: [], tc: [], flow_dissector: [], netfilter: [] }]]);

  const failed =
    '[{"command":["prog","show"],"output":[]},' +
    '{"command":["cgroup","tree","/sys/fs/cgroup"],"output":[{"error":"can\'t query bpf programs attached to /sys/fs/cgroup: Bad file descriptor"}]}]\n';
  const f = batchOutputs(failed, 3);
  assert.deepEqual(f[0], []);
  assert.ok(f[1] instanceof Error && /Bad file descriptor/.test(f[1].message), 'cgroup tree wraps its error in a list');
  assert.ok(f[2] instanceof Error && /no answer for command 3/.test(f[2].message));
  const objErr = batchOutputs('[{"command":["prog","show","id","1"],"output":{"error":"get by id (1): No such file or directory"}}]', 2);
  assert.ok(objErr[0] instanceof Error && /No such file/.test(objErr[0].message));

  const garbage = batchOutputs('Error: bad', 2, 'bpftool: something');
  assert.ok(garbage.every((g) => g instanceof Error && /printed no JSON.*something/.test(g.message)));
});
