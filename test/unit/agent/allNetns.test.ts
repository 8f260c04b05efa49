// `ip -all netns exec CMD` output split per namespace (remote-agent/listings/allNetns.ts): what ip printed here for
// `bpftool -j net show` in three namespaces, and for a command that failed in every one (ip goes on; the sections
// are then empty and the agent asks each namespace alone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitAllNetns } from '../../../remote-agent/listings/allNetns';

test('one section per namespace, in the order ip visited them', () => {
  const out =
    '\nnetns: end_f2t_p\n[{"xdp":[],"tc":[],"flow_dissector":[],"netfilter":[]}]\n' +
    '\nnetns: end_h3be_h\n[{"xdp":[{"devname":"eth0","ifindex":2,"mode":"generic","id":42}],"tc":[],"flow_dissector":[],"netfilter":[]}]\n' +
    '\nnetns: end_f2t_q\n[{"xdp":[],"tc":[],"flow_dissector":[],"netfilter":[]}]\n';
  const m = splitAllNetns(out);
  assert.deepEqual([...m.keys()], ['end_f2t_p', 'end_h3be_h', 'end_f2t_q']);
  assert.equal(JSON.parse(m.get('end_h3be_h')!)[0].xdp[0].id, 42);
  assert.deepEqual(JSON.parse(m.get('end_f2t_q')!), [{ xdp: [], tc: [], flow_dissector: [], netfilter: [] }]);
  // the exec failed everywhere: its message went to stderr, the sections are empty
  assert.deepEqual(
    [...splitAllNetns('\nnetns: a\n\nnetns: b\n').entries()],
    [
      ['a', ''],
      ['b', ''],
    ],
  );
  assert.equal(splitAllNetns('').size, 0, 'no named namespace');
});
