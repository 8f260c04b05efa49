// map.dump's reader: elements split correctly whatever the chunking (strings with brackets, commas and escapes),
// and a dump far larger than the limit is cut off after limit + 1 elements with the tool stopped.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { firstJsonElements } from '../../../remote-agent/listings/inspect';
import { JsonArrayStream } from '../../../remote-agent/parsers/jsonArrayStream';

const sample = [{ key: ['0x01', '0x02'], value: { s: 'a],"{b\\"', n: [1, [2, { x: 3 }]] } }, 7, 'str,]', null, { formatted: { key: 1 } }];

it('splits a JSON array into its elements, however it is chunked', () => {
  const text = JSON.stringify(sample, null, 1);
  for (const size of [1, 2, 3, 7, 50, text.length]) {
    const s = new JsonArrayStream();
    const got: string[] = [];
    for (let i = 0; i < text.length; i += size) got.push(...s.push(text.slice(i, i + size)));
    assert.deepEqual(
      got.map((e) => JSON.parse(e) as unknown),
      sample,
      `chunks of ${size}`,
    );
  }
  assert.deepEqual(new JsonArrayStream().push('[]'), []);
});

it('stops the tool after limit + 1 elements of a huge dump', async () => {
  // prints an endless array; only stopping it ends this test
  const script =
    "process.stdout.write('['); let i = 0; const more = () => { let s = ''; for (let k = 0; k < 1000; k++) s += (i++ ? ',' : '') + JSON.stringify({ key: i }); process.stdout.write(s, more); }; more();";
  const got = await firstJsonElements([process.execPath, '-e', script], 10);
  assert.equal(got.length, 11);
  assert.deepEqual(JSON.parse(got[0]), { key: 1 });
});

it('a failing tool is ToolFailed with its stderr, a missing one ToolMissing', async () => {
  await assert.rejects(
    firstJsonElements([process.execPath, '-e', "process.stderr.write('Error: bpf obj get: No such file'); process.exit(255)"], 5),
    (e: Error & { code?: number; data?: { stderr?: string } }) => e.code === -32012 && /No such file/.test(e.data?.stderr ?? ''),
  );
  await assert.rejects(firstJsonElements(['/nonexistent/bpftool', 'map'], 5), (e: Error & { code?: number }) => e.code === -32011);
});
