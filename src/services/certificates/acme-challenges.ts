// HTTP-01 challenge answers (RFC 8555 §8.3) while an order is open: the HTTP listener answers
// GET /.well-known/acme-challenge/<token> with the key authorization, nothing else. With a shared
// store, the replica that orders also writes them there, so a replica that does not order (behind
// the same load balancer) answers them too.
import type { ChallengeResponder } from '../../ports/certificate-issuer.js';
import type { CertificateStore } from '../../ports/certificate-store.js';

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export class AcmeChallenges implements ChallengeResponder {
  private readonly answers = new Map<string, string>();

  constructor(private readonly shared?: CertificateStore['challenges']) {}

  async add(token: string, keyAuthorization: string): Promise<void> {
    this.answers.set(token, keyAuthorization);
    await this.shared?.write(token, keyAuthorization);
  }

  async remove(token: string): Promise<void> {
    this.answers.delete(token);
    await this.shared?.remove(token).catch(() => undefined);
  }

  /** The key authorization for a request path, or undefined (not a challenge, or none open). */
  async answer(path: string): Promise<string | undefined> {
    if (!path.startsWith(CHALLENGE_PREFIX)) return undefined;
    const token = path.slice(CHALLENGE_PREFIX.length);
    return this.answers.get(token) ?? this.shared?.read(token).catch(() => undefined);
  }
}
