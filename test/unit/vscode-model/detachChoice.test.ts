// Detach in the user's terms (extension/vscode/tree/detachChoice.ts): the pick names the program, its id, the
// interface and the mode; it asks only when there is a choice; the message after names the program too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment } from '../../../protocol/types';
import { detachChoice } from './load';

const { describeAttachment, detachChoices, detachedMessage } = detachChoice;

const xdp: Attachment = {
  id: 'xdp:root:eth0',
  kind: 'xdp',
  progId: 864,
  progName: 'xdp_drop_ping',
  dev: 'eth0',
  netns: 'root',
  mode: 'driver',
};
const tc: Attachment = {
  id: 'tc:end_lab_a:eth0:egress',
  kind: 'tc',
  progId: 12,
  progName: 'tc_tcp_psh',
  dev: 'eth0',
  netns: 'end_lab_a',
  direction: 'egress',
};
const tp: Attachment = { id: 'tracepoints:trace-0123456789', kind: 'tracepoints', object: 'trace-0123456789' };

test('a pick row names the program, its id, the interface and the mode, not the attachment id', () => {
  assert.equal(describeAttachment(xdp), 'xdp_drop_ping #864 on eth0, driver');
  assert.equal(describeAttachment(tc), 'tc_tcp_psh #12 on eth0 in netns end_lab_a, tc egress');
  assert.equal(describeAttachment(tp), 'the tracepoints of trace-0123456789');
  for (const a of [xdp, tc]) assert.ok(!describeAttachment(a).includes(a.id), `${a.id} is not shown`);
});

test('Detach asks only when there is a choice', () => {
  const one = detachChoices([xdp]);
  assert.equal(one.ask, false, 'one attachment: detached without a question');
  assert.equal(one.choices[0].attachment.id, 'xdp:root:eth0');
  const two = detachChoices([xdp, tc]);
  assert.equal(two.ask, true);
  assert.deepEqual(
    two.choices.map((c) => c.label),
    ['xdp_drop_ping #864 on eth0, driver', 'tc_tcp_psh #12 on eth0 in netns end_lab_a, tc egress'],
  );
  const ofProgram = detachChoices([xdp, tc], 12);
  assert.equal(ofProgram.ask, false, "from a program row: only that program's attachments count");
  assert.equal(ofProgram.choices[0].attachment.id, 'tc:end_lab_a:eth0:egress');
  assert.deepEqual(detachChoices([], undefined), { choices: [], ask: false });
});

test('the message after a detach names the program', () => {
  assert.equal(detachedMessage(xdp), 'Detached XDP from eth0: xdp_drop_ping #864, driver.');
  assert.equal(detachedMessage(tc), 'Detached tc egress from eth0 (netns end_lab_a): tc_tcp_psh #12.');
});
