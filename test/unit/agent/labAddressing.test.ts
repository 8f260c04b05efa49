import assert from 'node:assert/strict';
import { it } from 'node:test';
import { labAddressing } from '../../../remote-agent/lab/addressing';

it('lab addresses are private, stable per name, and a and b share a /24', () => {
  const a = labAddressing('demo');
  assert.deepEqual(a, labAddressing('demo'));
  assert.match(a.a4, /^10\.(1\d\d)\.\d{1,3}\.1\/24$/);
  assert.equal(a.b4.replace(/\.2\/24$/, ''), a.a4.replace(/\.1\/24$/, ''));
  assert.match(a.a6, /^fd00:e0d:[0-9a-f]{1,4}::1\/64$/);
  assert.match(a.root4, /^172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\/30$/);
  const last = Number(a.root4.split('/')[0].split('.')[3]);
  assert.equal(last % 4, 1, 'root end is the first host of its /30');
  assert.notEqual(labAddressing('demo').a4, labAddressing('other').a4);
});
