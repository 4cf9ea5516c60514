// Build secrets: build.secrets names, for each environment variable of the build, where the server
// finds its value (an environment variable or a file of the server). The values are read when a
// build starts and handed to the runner only: they never go into the desired state, a build
// record, an event or the API, and the build log masks them. Pure: the reading is injected
// (ports/secrets.ts SecretReader).
import { UserError } from './errors.js';
import type { BuildSecretRef, SecretRef } from './schema.js';

/** A key of a Secret in the build Jobs' namespace: the cluster gives it to the build, the server never reads it. */
export interface KubernetesSecretKey {
  name: string;
  key: string;
}

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
  /** Name → a Kubernetes Secret's key, for a Job's secretKeyRef (no value: nothing to mask). */
  kubernetes?: Record<string, KubernetesSecretKey>;
}

/** Where a secret is looked for, for messages (never its value). */
export function describeSecretRef(ref: SecretRef | BuildSecretRef): string {
  if ('kubernetesSecret' in ref) return `key ${ref.kubernetesSecret.key} of the Kubernetes Secret ${ref.kubernetesSecret.name}`;
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/**
 * Why these build secrets cannot be given to a build of this runner: a Kubernetes Secret reaches
 * only a Job's pod (by secretKeyRef), never a Docker build, and the server does not read it.
 */
export function kubernetesSecretProblem(secrets: Record<string, BuildSecretRef> | undefined, runner: string | undefined, at = 'build.secrets'): { path: string; message: string } | undefined {
  if (runner === 'kubernetes') return undefined;
  const name = Object.entries(secrets ?? {}).find(([, ref]) => 'kubernetesSecret' in ref)?.[0];
  return name === undefined ? undefined : { path: `${at}.${name}`, message: `a Kubernetes Secret reaches only builds run as Jobs (opus.yaml builds.runner: kubernetes); these builds run in Docker: use { env: NAME } or { file: /path } of the server` };
}

/** Every secret of the build, or a UserError naming the first one missing and where it was looked for. */
export function resolveBuildSecrets(secrets: Record<string, BuildSecretRef> | undefined, read: (ref: SecretRef) => string | undefined, minLength: number, _scope: SecretScope = 'deploy'): ResolvedSecrets {
  const env: Record<string, string> = {};
  const kubernetes: Record<string, KubernetesSecretKey> = {};
  for (const [name, ref] of Object.entries(secrets ?? {})) {
    if ('kubernetesSecret' in ref) {
      kubernetes[name] = ref.kubernetesSecret;
      continue;
    }
    const value = read(ref);
    if (value === undefined) throw new UserError(`the build secret ${name} is not set on the server: looked for ${describeSecretRef(ref)} (set it there, or change build.secrets.${name})`);
    if (value.length < minLength) throw new UserError(`the build secret ${name} (${describeSecretRef(ref)}) is shorter than ${minLength} characters, too short to be masked in the build log: use a real secret`);
    env[name] = value;
  }
  return { env, values: Object.values(env), ...(Object.keys(kubernetes).length > 0 ? { kubernetes } : {}) };
}
