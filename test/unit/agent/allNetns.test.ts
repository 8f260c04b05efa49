// `ip -all netns exec CMD` output split per namespace (remote-agent/listings/allNetns.ts): what ip printed here for
// `bpftool -j net show` in three namespaces, and for a command that failed in every one (ip goes on; the sections
// are then empty and the agent asks each namespace alone). And `ip -all -j -d -batch -` with `addr show`, `netns exec
// ip -j -d addr show` and `netns exec bpftool -j net show` (the shape ip 6.1 printed here): our own namespace's
// interfaces first, then one round of sections per exec line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitAllNetns, splitAllNetnsRounds } from '../../../remote-agent/listings/allNetns';

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

test('ip -all -batch: our own namespace first, then each exec line once per namespace', () => {
  const lo = '[{"ifindex":1,"ifname":"lo","link_type":"loopback","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]}';
  const net = '[{"xdp":[],"tc":[],"flow_dissector":[],"netfilter":[]}]';
  const out =
    `${lo},{"ifindex":2,"ifname":"eth0","addr_info":[]}]\n` +
    `\nnetns: end_x_b\n${lo}]\n\nnetns: end_x_a\n${lo}]\n` +
    `\nnetns: end_x_b\n${net}\n\nnetns: end_x_a\n\n`;
  const { root, rounds } = splitAllNetnsRounds(out, 2);
  assert.deepEqual(
    (JSON.parse(root) as { ifname: string }[]).map((i) => i.ifname),
    ['lo', 'eth0'],
  );
  assert.deepEqual([...rounds[0].keys()], ['end_x_b', 'end_x_a']);
  assert.equal(rounds[0].get('end_x_a'), `${lo}]`);
  assert.equal(rounds[1].get('end_x_b'), net);
  assert.equal(rounds[1].get('end_x_a'), '', 'bpftool failed there: empty, the agent asks that namespace alone');
  // no named namespace: only our own namespace's output
  const alone = splitAllNetnsRounds(`${lo}]\n`, 2);
  assert.equal(alone.root, `${lo}]`);
  assert.deepEqual(
    alone.rounds.map((r) => r.size),
    [0, 0],
  );
});
