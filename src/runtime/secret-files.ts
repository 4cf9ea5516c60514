// Secrets of the server from mounted files, as Docker and Kubernetes mount them: NAME_FILE names
// a file holding the secret NAME (used when NAME itself is not set).
import { readFileSync } from 'node:fs';
import { UserError } from '../domain/errors.js';

/** The secret in the file named by `${name}_FILE`, trimmed; undefined when that is not set. */
export function secretFromFile(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env[`${name}_FILE`];
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch (error) {
    throw new UserError(`cannot read ${name}_FILE=${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, [`mount the secret there, or unset ${name}_FILE`]);
  }
}
