// The fleet output: per-host text blocks in the order given, one JSON line per host with the fleet's name for it,
// the failures in the summary and the exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonDocuments, printFleetResults } from '../../../extension/cli/fleetRun';

const io = () => {
  let out = '';
  let err = '';
  return {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    text: () => ({ out, err }),
  };
};

const results = [
  {
    host: 'web1',
    ok: true as const,
    ms: 5,
    value: { code: 0, out: '{\n  "host": "root@10.0.0.1",\n  "kernelRelease": "6.1"\n}\n', err: '' },
  },
  { host: 'web2', ok: false as const, ms: 9, error: new Error('ssh web2: connect ECONNREFUSED') },
  { host: 'web3', ok: true as const, ms: 5, value: { code: 0, out: '[\n  {"id": 1, "name": "a{b}\\"c"}\n]\n', err: '' } },
];

test('--json: one line per host, the fleet name in `host`, the connected spec kept, arrays under the listing name', () => {
  const o = io();
  const code = printFleetResults('list', ['programs'], results, o, true);
  assert.equal(code, 1);
  const lines = o
    .text()
    .out.trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines, [
    { host: 'web1', spec: 'root@10.0.0.1', kernelRelease: '6.1' },
    { host: 'web2', ok: false, error: 'ssh web2: connect ECONNREFUSED' },
    { host: 'web3', programs: [{ id: 1, name: 'a{b}"c' }] },
  ]);
  assert.equal(o.text().err, '3 hosts: 2 ok, 1 failed\n  web2: ssh web2: connect ECONNREFUSED\n');
});

test('text: a block per host in the order given, the failed one marked', () => {
  const o = io();
  printFleetResults('info', [], results, o, false);
  assert.deepEqual(
    [...o.text().out.matchAll(/^== (.*) ==$/gm)].map((m) => m[1]),
    ['web1', 'web2 (FAILED)', 'web3'],
  );
  assert.match(o.text().out, /== web2 \(FAILED\) ==\n {2}failed: ssh web2: connect ECONNREFUSED\n/);
});

test('JSON documents are split without being fooled by brackets in strings', () => {
  assert.deepEqual(parseJsonDocuments('{"a":"}{"}\n[1,[2]]\n'), [{ a: '}{' }, [1, [2]]]);
});
