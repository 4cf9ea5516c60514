// `--wait` follows a build's log: its colour codes reach a terminal, never a pipe or a file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressWriter } from '../../src/cli/progress-writer.js';

const VITE_LINE = '\u001b[32m✓\u001b[39m 31 modules transformed.\n\u001b[2mdist/\u001b[22m\u001b[36massets/index-BMJmOCnC.js\u001b[39m\n';

function sink(isTTY: boolean): { isTTY: boolean; text: string; write(text: string): void } {
  return { isTTY, text: '', write(text) { this.text += text; } };
}

test('piped, the log loses its colour codes and keeps every character of its text', () => {
  const out = sink(false);
  progressWriter(out, {})(VITE_LINE);
  assert.equal(out.text, '✓ 31 modules transformed.\ndist/assets/index-BMJmOCnC.js\n');
});

test('a terminal, or FORCE_COLOR, gets the log as the build wrote it', () => {
  const terminal = sink(true);
  progressWriter(terminal, {})(VITE_LINE);
  assert.equal(terminal.text, VITE_LINE);
  const forced = sink(false);
  progressWriter(forced, { FORCE_COLOR: '1' })(VITE_LINE);
  assert.equal(forced.text, VITE_LINE);
  const off = sink(false);
  progressWriter(off, { FORCE_COLOR: '0' })(VITE_LINE);
  assert.ok(!off.text.includes('\u001b'));
});
