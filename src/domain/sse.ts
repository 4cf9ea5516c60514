// Server-Sent Events, both ways: formatting an event (the server) and parsing a stream of them
// (the CLI). Pure.

export interface SseEvent {
  event: string;
  data: string;
}

/** One event: each line of `data` becomes a `data:` line (a lone CR counts as a line break too). */
export function formatSse(data: string, event?: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${event ? `event: ${event}\n` : ''}${lines.join('')}\n`;
}

export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Feeds text as it arrives; returns the events completed so far ("message" when unnamed). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A CR at the very end may be the first half of a CRLF: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) return events;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) return (this.event = ''), undefined;
      const event = { event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}

/** Splits log text into whole lines and the unfinished rest, so events carry whole lines only. */
export function splitLines(pending: string, chunk: string): { lines: string | undefined; rest: string } {
  const text = pending + chunk;
  // A CR at the very end may be the first half of a CRLF: it stays with the rest until more comes.
  const scan = text.endsWith('\r') ? text.slice(0, -1) : text;
  const end = Math.max(scan.lastIndexOf('\n'), scan.lastIndexOf('\r'));
  if (end < 0) return { lines: undefined, rest: text };
  const body = text.slice(0, end);
  return { lines: text[end] === '\n' ? body.replace(/\r$/, '') : body, rest: text.slice(end + 1) };
}
