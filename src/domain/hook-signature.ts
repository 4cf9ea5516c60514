// Signing outgoing hook deliveries, and checking them as a receiver does. Pure (no I/O).
// The signature is HMAC-SHA256 of "<timestamp>.<body>" with the hook's secret, so a receiver can
// tell that the body came from Opus and was signed recently (it rejects old timestamps: replays).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const HOOK_HEADERS = {
  signature: 'X-Opus-Signature-256',
  timestamp: 'X-Opus-Timestamp',
  delivery: 'X-Opus-Delivery',
  event: 'X-Opus-Event',
} as const;

/** How old a timestamp a receiver accepts by default, in seconds (either way, for clock skew). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export function signHookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Every header of one delivery attempt; the timestamp (unix seconds) is new at every attempt. */
export function hookRequestHeaders(input: { secret: string; deliveryId: string; event: string; body: string; timestamp: number }): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'opus-hooks/1',
    [HOOK_HEADERS.event]: input.event,
    [HOOK_HEADERS.delivery]: input.deliveryId,
    [HOOK_HEADERS.timestamp]: String(input.timestamp),
    [HOOK_HEADERS.signature]: signHookBody(input.secret, input.timestamp, input.body),
  };
}

export type HookVerdict = { ok: true } | { ok: false; reason: string };

/** What a receiver checks: a well-formed recent timestamp and a matching signature over the raw body. */
export function verifyHookSignature(input: {
  secret: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): HookVerdict {
  const { signature, timestamp } = input;
  if (!signature?.startsWith('sha256=')) return { ok: false, reason: 'missing or malformed signature' };
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed timestamp' };
  const age = Math.abs(input.nowSeconds - Number(timestamp));
  if (age > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: `timestamp is ${age}s away from now: a replay or a wrong clock` };
  const expected = signHookBody(input.secret, Number(timestamp), input.body);
  return sameText(signature.toLowerCase(), expected) ? { ok: true } : { ok: false, reason: 'signature does not match' };
}

/** Compares in time that depends on neither content nor length (both sides are hashed first). */
function sameText(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}
