// HTTP basic auth for a site. The bcrypt hash comes from a secret of the server (an environment
// variable or a file), never from git. bcrypt is slow by design, so it runs in a worker thread (the
// event loop keeps serving), a verified credential is remembered for a while under a keyed hash
// (never the password itself), and a client that keeps failing waits longer each time.
import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailureBackoff } from '../../domain/failure-backoff.js';
import type { SecretRef } from '../../domain/schema.js';
import type { SecretReader } from '../../ports/secrets.js';
import { passwordChecker } from './password-checker.js';

export interface SiteAuth {
  username: string;
  passwordHash: SecretRef;
}

const VERIFIED_MS = 5 * 60_000;
const MAX_VERIFIED = 10_000;

export class BasicAuth {
  private readonly key = randomBytes(32);
  /** Keyed hash of (password hash, header) → when it stops counting as verified. */
  private readonly verified = new Map<string, number>();
  private readonly backoff = new FailureBackoff();

  constructor(private readonly readSecret: SecretReader) {}

  /** True when the request may see the site; undefined auth means the site is public. `client` is whom failures slow down. */
  async allows(auth: SiteAuth | undefined, header: string | undefined, client: string): Promise<boolean> {
    if (!auth) return true;
    if (!header?.startsWith('Basic ') || header.length > 1024) return false;
    const hash = this.readSecret(auth.passwordHash);
    if (!hash) return false;
    const id = createHmac('sha256', this.key).update(hash).update('\0').update(header).digest('base64url');
    const now = Date.now();
    if ((this.verified.get(id) ?? 0) > now) return true;
    const wait = this.backoff.delayMs(client, now);
    this.backoff.failed(client, now);
    if (wait > 0) await sleep(wait);
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const ok = colon > 0 && decoded.slice(0, colon) === auth.username && (await passwordChecker.compare(decoded.slice(colon + 1), hash));
    if (!ok) return false;
    this.backoff.succeeded(client);
    this.verified.delete(id);
    this.verified.set(id, Date.now() + VERIFIED_MS);
    while (this.verified.size > MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value as string);
    return true;
  }
}
