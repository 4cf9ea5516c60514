// Where `--wait` writes a build's log as it follows it. The log carries the colour codes of the
// tools a build runs (vite, npm); piped into a file or a CI log they are noise, so they reach only a
// terminal, or any stream with FORCE_COLOR set. `opus logs` keeps the log as it was written.
import { stripVTControlCharacters } from 'node:util';

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function progressWriter(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): (text: string) => void {
  const colours = stream.isTTY === true || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0');
  return (text) => void stream.write(colours ? text : stripVTControlCharacters(text));
}
