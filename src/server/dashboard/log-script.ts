// Part of the dashboard's script: build logs with their ANSI colours, and opened at the first line
// that looks like an error. Plain browser JavaScript kept as a string (no backticks, no "${").
// Safe by construction: log text only ever becomes text nodes; SGR codes only pick CSS classes.

export const LOG_SCRIPT = String.raw`
const SGR_COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
const ERROR_LINE = /(\berror\b|\bERR!|\bfailed\b|error TS\d+|^\[[A-Z_:a-z-]+\] |: not found$)/i;
const logStyle = { classes: [] };

/** SGR parameters → the CSS classes of the text that follows (bold, colours; 0 resets). */
function applySgr(params) {
  const codes = params === '' ? [0] : params.split(';').map(Number);
  let classes = logStyle.classes.slice();
  for (const code of codes) {
    if (code === 0) classes = [];
    else if (code === 1) classes.push('ansi-bold');
    else if (code === 22) classes = classes.filter((c) => c !== 'ansi-bold');
    else if (code >= 30 && code <= 37) classes = classes.filter((c) => !c.startsWith('ansi-fg-')).concat('ansi-fg-' + SGR_COLOURS[code - 30]);
    else if (code >= 90 && code <= 97) classes = classes.filter((c) => !c.startsWith('ansi-fg-')).concat('ansi-fg-' + SGR_COLOURS[code - 90]);
    else if (code === 39) classes = classes.filter((c) => !c.startsWith('ansi-fg-'));
  }
  logStyle.classes = classes;
}

/** Appends log text to the pre: colours as spans, every other escape sequence dropped, the first error line marked. */
function appendAnsi(pre, text) {
  const pattern = /\u001b\[([0-9;]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
  let at = 0;
  let match;
  const put = (chunk) => {
    if (!chunk) return;
    const span = document.createElement('span');
    if (logStyle.classes.length) span.className = logStyle.classes.join(' ');
    span.textContent = chunk;
    pre.append(span);
    if (!pre.querySelector('.first-error')) {
      const line = chunk.split('\n').find((l) => ERROR_LINE.test(l) && !/^opus: /.test(l));
      if (line) span.classList.add('first-error');
    }
  };
  while ((match = pattern.exec(text))) {
    put(text.slice(at, match.index));
    if (match[2] === 'm') applySgr(match[1]);
    at = pattern.lastIndex;
  }
  put(text.slice(at));
}

/** Once a log is complete: open it at its first error line, if it has one. */
function openAtFirstError(pre) {
  const first = pre.querySelector('.first-error');
  if (first) pre.scrollTop = Math.max(0, first.offsetTop - pre.offsetTop - 24);
}
`;
