// Build secrets: build.secrets names, for each environment variable of the build, where the server
// finds its value (an environment variable or a file of the server). The values are read when a
// build starts and handed to the runner only: they never go into the desired state, a build
// record, an event or the API, and the build log masks them. Pure: the reading is injected
// (ports/secrets.ts SecretReader).
import { UserError } from './errors.js';
import type { SecretRef } from './schema.js';

/**
 * Which builds the secrets are for. A preview's build spec already carries previews.secrets as its
 * build.secrets (production's only with previews.productionSecrets: services/previews/preview-service.ts).
 */
export type SecretScope = 'deploy';

export interface ResolvedSecrets {
  /** Name → value, for the build's environment. */
  env: Record<string, string>;
  /** The values, for the log mask. */
  values: string[];
}

/** Where a secret is looked for, for messages (never its value). */
export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/** Every secret of the build, or a UserError naming the first one missing and where it was looked for. */
export function resolveBuildSecrets(secrets: Record<string, SecretRef> | undefined, read: (ref: SecretRef) => string | undefined, minLength: number, _scope: SecretScope = 'deploy'): ResolvedSecrets {
  const env: Record<string, string> = {};
  for (const [name, ref] of Object.entries(secrets ?? {})) {
    const value = read(ref);
    if (value === undefined) throw new UserError(`the build secret ${name} is not set on the server: looked for ${describeSecretRef(ref)} (set it there, or change build.secrets.${name})`);
    if (value.length < minLength) throw new UserError(`the build secret ${name} (${describeSecretRef(ref)}) is shorter than ${minLength} characters, too short to be masked in the build log: use a real secret`);
    env[name] = value;
  }
  return { env, values: Object.values(env) };
}
