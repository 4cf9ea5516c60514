// The dashboard's session: the API token exchanged for an HttpOnly, SameSite=Strict cookie, so no
// script (the dashboard's or a site's) ever holds the token. The cookie is an expiry and an HMAC of
// it keyed by the token: nothing to store, and a new token ends every session.
import { createHmac } from 'node:crypto';
import { sameSecret } from './secrets.js';

export const SESSION_COOKIE = 'opus_session';
export const SESSION_MS = 12 * 3_600_000;

export function newSession(token: string, now = Date.now()): string {
  const expires = now + SESSION_MS;
  return `${expires}.${mac(token, expires)}`;
}

export function validSession(token: string, value: string | undefined, now = Date.now()): boolean {
  const match = value === undefined ? null : /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expires = Number(match[1]);
  return expires > now && expires <= now + SESSION_MS && sameSecret(match[2] as string, mac(token, expires));
}

/**
 * Every value of one cookie in a Cookie header. A sibling site on a shared parent domain can set a
 * cookie of the same name (Domain=<parent>, a longer Path) that browsers send first: each is tried.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** Host-only (no Domain), so not even a sibling host of the same site gets it. */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function endedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

function mac(token: string, expires: number): string {
  return createHmac('sha256', token).update(`opus-session\0${expires}`).digest('base64url');
}
