// A mistyped command. With topicSeparator " ", oclif hands over "deplyo:site:1.0.0" (the
// arguments joined in), so the typo is matched against each command by as many words as the
// command has, the rest kept as its arguments; a suggestion is made only when it is close (a
// third of the word's letters at most), never "rollback" for "nosuchcmd". On a terminal it asks
// and runs the suggestion; in a script it says it, and exits 127 either way when not run.
// (This replaces @oclif/plugin-not-found, whose text said "deplyo site 1.0.0 is not a opus command".)
import { createInterface } from 'node:readline/promises';
import type { Hook } from '@oclif/core';
import { closeTypo, typoDistance } from '../domain/key-suggestion.js';

interface Suggestion {
  id: string;
  argv: string[];
}

export function suggestCommand(typed: string, ids: readonly string[]): Suggestion | undefined {
  const words = typed.split(':');
  let best: (Suggestion & { cost: number }) | undefined;
  for (const id of ids) {
    const depth = id.split(':').length;
    if (depth > words.length) continue;
    const attempt = words.slice(0, depth).join(':');
    const cost = typoDistance(attempt, id);
    if (closeTypo(attempt, cost) && (!best || cost < best.cost)) best = { id, argv: words.slice(depth), cost };
  }
  return best && { id: best.id, argv: best.argv };
}

const hook: Hook<'command_not_found'> = async function (options) {
  const { bin } = options.config;
  const ids = options.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases, ...(c.hiddenAliases ?? [])]);
  const suggestion = suggestCommand(options.id, ids);
  const typed = options.id.split(':')[0] ?? options.id;
  const argv = suggestion ? [...suggestion.argv, ...(options.argv ?? [])] : [];
  const line = suggestion ? [bin, ...suggestion.id.split(':'), ...argv].join(' ') : '';
  if (suggestion && process.stdin.isTTY && process.stderr.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`"${typed}" is not an ${bin} command. Did you mean: ${line}? [y/N] `).finally(() => prompt.close());
    if (/^y(es)?$/i.test(answer.trim())) return options.config.runCommand(suggestion.id, argv);
  } else {
    process.stderr.write(`"${typed}" is not an ${bin} command.${suggestion ? ` Did you mean: ${line}` : ''}\n`);
  }
  process.stderr.write(`${bin} help lists every command.\n`);
  process.exit(127);
};

export default hook;
