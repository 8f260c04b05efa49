// `<...>` task names from trace_pipe are filled from /proc/PID/comm while the process lives.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { TaskNames, UNKNOWN_TASK } from '../../../remote-agent/trace/taskNames';

test('a live process is named from /proc/PID/comm; a pid that is gone stays <...>', async () => {
  const child = spawn('sleep', ['5']);
  try {
    const names = new TaskNames();
    assert.equal(names.resolve(child.pid!), 'sleep');
    assert.equal(names.resolve(2 ** 22 + 12345), UNKNOWN_TASK, 'beyond pid_max: no such process');
  } finally {
    child.kill();
  }
});

test('answers are remembered for the ttl, then read again', () => {
  let reads = 0;
  let now = 0;
  const names = new TaskNames(
    1000,
    () => {
      reads++;
      return `t${reads}`;
    },
    () => now,
  );
  assert.equal(names.resolve(7), 't1');
  now = 999;
  assert.equal(names.resolve(7), 't1');
  now = 1000;
  assert.equal(names.resolve(7), 't2');
  assert.equal(reads, 2);
});
