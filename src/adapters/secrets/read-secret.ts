// Secrets are referenced by name in the config repo and read on the server when they are needed
// (a site's basic auth, a hook's signing key), so rotating one needs no commit.
import { readFileSync } from 'node:fs';
import type { SecretRef } from '../../domain/schema.js';

/** The secret's value (trimmed), or undefined when the server does not have it. */
export function readSecret(ref: SecretRef): string | undefined {
  try {
    const value = 'env' in ref ? process.env[ref.env] : readFileSync(ref.file, 'utf8');
    return value?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export { describeSecretRef as describeSecret } from '../../domain/build-secrets.js';
