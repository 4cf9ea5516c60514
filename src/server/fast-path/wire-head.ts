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
/** Whole answers (head and body in one buffer) of this second, and the bytes they hold. */
let wholeAnswers = new WeakMap<Buffer, Buffer>();
let wholeAnswerBytes = 0;
/** At most this much is copied per second into whole answers; beyond, answers go out as head and body. */
const WHOLE_ANSWER_BUDGET = 32 * 1024 * 1024;

/** The head with Date (as node:http writes it, once a second) and the connection's fate, ending it. */
export function wholeHead(head: Buffer, close: boolean): Buffer {
  const now = Math.floor(Date.now() / 1000);
  if (now !== second) {
    second = now;
    const date = `Date: ${new Date(now * 1000).toUTCString()}\r\n`;
    dateLines = Buffer.from(`${date}Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n\r\n`, 'latin1');
    closeLines = Buffer.from(`${date}Connection: close\r\n\r\n`, 'latin1');
    wholeHeads = new WeakMap();
    wholeAnswers = new WeakMap();
    wholeAnswerBytes = 0;
  }
  if (close) return Buffer.concat([head, closeLines]);
  let whole = wholeHeads.get(head);
  if (!whole) wholeHeads.set(head, (whole = Buffer.concat([head, dateLines])));
  return whole;
}

/** The second whose Date line the last wholeHead wrote. */
export function headSecond(): number {
  return second;
}

/**
 * The whole head (from wholeHead, so of this second) and `body` as one prebuilt buffer, made once a
 * second per answer: each request is then one write of one buffer, as the node:net floor writes,
 * instead of a corked head and body (a writev). Undefined once this second's copy budget is spent.
 */
export function wholeAnswer(whole: Buffer, body: Buffer): Buffer | undefined {
  const known = wholeAnswers.get(whole);
  if (known) return known;
  if (wholeAnswerBytes + whole.length + body.length > WHOLE_ANSWER_BUDGET) return undefined;
  const joined = Buffer.concat([whole, body]);
  wholeAnswerBytes += joined.length;
  wholeAnswers.set(whole, joined);
  return joined;
}
