// The status line and header lines of a kept answer, serialized once: an answer's header objects
// are made once and never change (see plainAnswer), so they key the cache.
import { STATUS_CODES } from 'node:http';
import type { PlainAnswer } from '../site/send-file.js';

const heads = new WeakMap<Record<string, string>, Buffer | null>();
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What node:http's writeHead accepts in a value: no CR, LF or other control character but tab. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Everything before Date and Connection, or null when a header (from `_headers` rules) could not go on the wire. */
export function wireHead({ status, headers }: PlainAnswer): Buffer | null {
  let head = heads.get(headers);
  if (head !== undefined) return head;
  const lines = Object.entries(headers);
  head = lines.every(([name, value]) => TOKEN.test(name) && FIELD_VALUE.test(value))
    ? Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}`, 'latin1')
    : null;
  heads.set(headers, head);
  return head;
}

/** node:http's default, which the fast path keeps too. */
export const KEEP_ALIVE_MS = 5000;

let second = 0;
let dateLines = Buffer.alloc(0);
let closeLines = Buffer.alloc(0);
/** Whole heads of this second, for the connections that stay open: made once per head and second. */
let wholeHeads = new WeakMap<Buffer, Buffer>();

/** The head with Date (as node:http writes it, once a second) and the connection's fate, ending it. */
export function wholeHead(head: Buffer, close: boolean): Buffer {
  const now = Math.floor(Date.now() / 1000);
  if (now !== second) {
    second = now;
    const date = `Date: ${new Date(now * 1000).toUTCString()}\r\n`;
    dateLines = Buffer.from(`${date}Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n\r\n`, 'latin1');
    closeLines = Buffer.from(`${date}Connection: close\r\n\r\n`, 'latin1');
    wholeHeads = new WeakMap();
  }
  if (close) return Buffer.concat([head, closeLines]);
  let whole = wholeHeads.get(head);
  if (!whole) wholeHeads.set(head, (whole = Buffer.concat([head, dateLines])));
  return whole;
}
