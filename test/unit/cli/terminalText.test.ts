// Kernel text reaches the terminal without escape sequences: a bpf_printk of `\e]0;owned\a\e[2J` (retitle, clear)
// or a C1 CSI prints as plain text; newlines and tabs stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripTerminalEscapes } from '../../../extension/cli/terminalText';

test('escape sequences and control characters are removed, text and layout kept', () => {
  const cases: [string, string][] = [
    ['ping\x1b]0;owned\x07 seq=1', 'ping seq=1'],
    ['a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b', 'alinkb'],
    ['\x1b[2J\x1b[H\x1b[31mred\x1b[0m', 'red'],
    ['\x1b[?1049h alt screen', ' alt screen'],
    ['bell\x07 backspace\x08 nul\x00 del\x7f', 'bell backspace nul del'],
    ['c1 csi \u009b2J done', 'c1 csi 2J done'],
    ['\x1bPq#0;2;0;0;0\x1b\\sixel', 'sixel'],
    ['\x1bc reset', ' reset'],
    ['line 1\n\tline 2\n', 'line 1\n\tline 2\n'],
    ['é ü 日本', 'é ü 日本'],
  ];
  for (const [input, want] of cases) assert.equal(stripTerminalEscapes(input), want, JSON.stringify(input));
});

test('linear on long input', () => {
  const s = '\x1b]'.repeat(50_000) + '\nx';
  assert.equal(stripTerminalEscapes(s), '\nx');
});
