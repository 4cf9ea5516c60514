// HTTP basic auth for a site. The bcrypt hash comes from a secret of the server (an environment
// variable or a file), never from git. bcrypt is slow by design, so verified credentials are kept.
import bcrypt from 'bcryptjs';
import type { SecretRef } from '../../domain/schema.js';
import type { SecretReader } from '../../ports/secrets.js';

export interface SiteAuth {
  username: string;
  passwordHash: SecretRef;
}

export class BasicAuth {
  private readonly verified = new Map<string, boolean>();

  constructor(private readonly readSecret: SecretReader) {}

  /** True when the request may see the site; undefined auth means the site is public. */
  allows(auth: SiteAuth | undefined, header: string | undefined): boolean {
    if (!auth) return true;
    if (!header?.startsWith('Basic ')) return false;
    const hash = this.readSecret(auth.passwordHash);
    if (!hash) return false;
    const key = `${hash}\0${header}`;
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const ok = colon > 0 && decoded.slice(0, colon) === auth.username && bcrypt.compareSync(decoded.slice(colon + 1), hash);
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(key, ok);
    return ok;
  }
}
