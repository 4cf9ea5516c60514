// Secrets never reach a log line: fields named like a secret are masked, and secrets inside
// strings (bearer tokens, credentials in URLs, token query parameters) are cut out. Pure.

const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|credential|cookie/i;
const MASK = '[redacted]';

/** Bearer/token schemes, user:password@ in URLs, and ?token=… style parameters. */
export function redactText(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MASK}`)
    .replace(/\b(token)\s+[A-Za-z0-9._~+/=-]{20,}/gi, `$1 ${MASK}`)
    .replace(/([a-z][a-z0-9+.-]*:\/\/)(?:[^/@\s:]*:[^/@\s]*|[^/@\s:]{20,})@/gi, `$1${MASK}@`)
    .replace(/([?&](?:access_token|token|api_key|key|password)=)[^&\s#]+/gi, `$1${MASK}`)
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return redactText(value.message);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? MASK : redact(v, depth + 1)]));
}

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redact(fields) as Record<string, unknown>;
}
