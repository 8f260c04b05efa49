// trace_pipe lines: real ones captured here (trace_marker writes) and bpf_printk lines in the kernel's format,
// including task names with spaces and dashes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceLine, splitLines } from '../../../remote-agent/parsers/tracePipe';
import { fixture } from './fixtures';

describe('trace_pipe lines', () => {
  it('trace_marker lines captured on this machine', () => {
    const lines = fixture('trace-pipe-markers.txt').trim().split('\n');
    const evs = lines.map(parseTraceLine);
    assert.ok(evs.every((e) => e !== null));
    assert.equal(evs[0]!.task, '<...>');
    assert.equal(evs[0]!.function, 'tracing_mark_write');
    assert.equal(evs[0]!.message, 'h1a_fixture marker one');
    assert.equal(evs[0]!.flags, '...1.');
    assert.equal(evs[2]!.message, 'h1a_fixture marker two: with [brackets] 1.2: colons');
    assert.ok(evs[1]!.timestamp > evs[0]!.timestamp);
    assert.equal(typeof evs[1]!.cpu, 'number');
  });

  it('bpf_printk lines, task names with spaces and dashes', () => {
    const [ping, kworker, web, idle] = fixture('trace-pipe-printk.txt').trim().split('\n').map(parseTraceLine);
    assert.deepEqual(ping, {
      task: 'ping',
      pid: 16010,
      cpu: 1,
      flags: 'b..21',
      timestamp: 759.440324,
      function: 'bpf_trace_printk',
      message: 'icmp 10.77.1.1 -> 10.77.1.2 ttl=64',
    });
    assert.equal(kworker!.task, 'kworker/u4:2-mm_pe');
    assert.equal(kworker!.pid, 12);
    assert.equal(kworker!.message, 'task name with a dash and a space');
    assert.equal(web!.task, 'Web Content');
    assert.equal(web!.pid, 3456);
    assert.equal(idle!.task, '<idle>');
    assert.equal(idle!.pid, 0);
  });

  it('a line without irq flags (older kernels / options) still parses', () => {
    const e = parseTraceLine('            ping-16010 [001]   759.440324: bpf_trace_printk: hi');
    assert.equal(e?.flags, '');
    assert.equal(e?.message, 'hi');
  });

  it('garbage is null, not an exception', () => {
    assert.equal(parseTraceLine(''), null);
    assert.equal(parseTraceLine('# tracer: nop'), null);
  });

  it('splitLines keeps a partial last line for the next chunk', () => {
    const a = splitLines('', 'one\ntw');
    assert.deepEqual(a, { lines: ['one'], rest: 'tw' });
    assert.deepEqual(splitLines(a.rest, 'o\n'), { lines: ['two'], rest: '' });
  });
});
