// HTTP-01 challenge answers (RFC 8555 §8.3) while an order is open: the HTTP listener answers
// GET /.well-known/acme-challenge/<token> with the key authorization, nothing else.

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export class AcmeChallenges {
  private readonly answers = new Map<string, string>();

  add(token: string, keyAuthorization: string): void {
    this.answers.set(token, keyAuthorization);
  }

  remove(token: string): void {
    this.answers.delete(token);
  }

  /** The key authorization for a request path, or undefined (not a challenge, or none open). */
  answer(path: string): string | undefined {
    if (!path.startsWith(CHALLENGE_PREFIX)) return undefined;
    return this.answers.get(path.slice(CHALLENGE_PREFIX.length));
  }
}
