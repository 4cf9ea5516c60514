// A mistyped command: @oclif/plugin-not-found asks "Did you mean …?" on a terminal; in a script or
// a pipe (no terminal to ask on) it would only say "not a command", so this says the closest one.
import type { Hook } from '@oclif/core';
import { closest } from 'fastest-levenshtein';

const hook: Hook<'command_not_found'> = async function (options) {
  if (process.stdin.isTTY) return;
  const ids = options.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases]);
  if (ids.length === 0) return;
  const suggestion = closest(options.id, ids).replaceAll(':', ' ');
  process.stderr.write(`Did you mean "${options.config.bin} ${suggestion}"?\n`);
};

export default hook;
