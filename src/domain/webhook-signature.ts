// Checking that a webhook comes from the git host that knows the shared secret. Pure (no I/O):
// GitHub signs the raw body with HMAC-SHA256 ("sha256=<hex>" in X-Hub-Signature-256), Gitea the
// same without the prefix (X-Gitea-Signature), GitLab sends the secret itself (X-Gitlab-Token).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256Hex(secret: string, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Compares in time that depends on neither content nor length (both sides are hashed first). */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function verifyGithubSignature(secret: string, body: Uint8Array | string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return constantTimeEqual(header.slice('sha256='.length).toLowerCase(), hmacSha256Hex(secret, body));
}

export function verifyGiteaSignature(secret: string, body: Uint8Array | string, header: string | undefined): boolean {
  if (!header) return false;
  return constantTimeEqual(header.trim().toLowerCase(), hmacSha256Hex(secret, body));
}

export function verifyGitlabToken(secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  return constantTimeEqual(header, secret);
}
