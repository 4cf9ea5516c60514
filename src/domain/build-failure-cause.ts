// The lines of a failed build's log that most likely say why it failed (a compiler's or npm's own
// error), so `status`, `list`, the dashboard and `deploy.failed` can say more than "exited with
// code 1". Pure: the log tail in, at most a few short lines out.

/** At most this many lines, each cut to this many characters. */
export const CAUSE_LINES = 3;
const LINE_CHARS = 240;

// ESC [ … final byte: colours and cursor moves (SGR and the rest of CSI), plus OSC titles/links.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Strong signs, tried in this order: the first kind that matches anywhere wins. */
const KINDS: RegExp[] = [
  /\berror TS\d+:/, // tsc: src/a.ts(1,7): error TS2322: …
  /^\[[A-Z_:a-z-]+\] /, // rolldown/vite 8: [UNRESOLVED_IMPORT] Could not resolve …
  /^npm (?:error|ERR!) (?:code |errno |syscall )?(?!A complete log|$)/, // npm error code ENOTCACHED
  /: (?:\d+: )?[^:]+: (?:not found|command not found)$/, // sh: 1: tsc: not found
  /^(?:error|ERROR|Error)(?: during build)?:?\s/, // esbuild / vite 5-7: error during build:, ERROR: …
  /\b(?:SyntaxError|TypeError|ReferenceError|Error): /, // a thrown error's message
  /\b(?:ENOENT|EACCES|ENOSPC|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\b/,
];

/** Lines that look like errors but only frame them: stack frames, npm's usage text and log pointers, Opus's own lines. */
function isNoise(line: string): boolean {
  return (
    /^\s*at\s/.test(line) ||
    line.startsWith('opus:') ||
    /^npm (?:error|ERR!)\s*$/.test(line) ||
    /^npm (?:error|ERR!) (?:A complete log|Usage:|Options:| {2}|\[|aliases:|Run "npm help|Clean install)/.test(line) ||
    /^(?:error during build:|Build failed with \d+ errors?:)$/.test(line)
  );
}

/**
 * The first lines of the log tail that look like the cause, ANSI codes removed. Empty when none
 * does (the caller then keeps its generic message).
 */
export function failureCause(logTail: string): string[] {
  const lines = stripAnsi(logTail)
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !isNoise(line));
  for (const kind of KINDS) {
    const hits = lines.filter((line) => kind.test(line.trim()));
    if (hits.length === 0) continue;
    const cause = [...new Set(hits.map((line) => cut(line.trim())))];
    return cause.slice(0, CAUSE_LINES);
  }
  return [];
}

/** One line for a table cell or an event's message: the generic error with the cause after it. */
export function withCause(error: string, cause: string[]): string {
  if (cause.length === 0) return error;
  return `${cause.join(' · ')} (${error.replace(/: see the build log$/, '')})`;
}

function cut(line: string): string {
  return line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line;
}
