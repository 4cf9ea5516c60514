// The per-project package cache kept between builds: a Docker named volume opus-cache-<project>
// mounted at /opus/cache, with npm, yarn and pnpm pointed into it. `build.cache: false` opts out.
import type Docker from 'dockerode';
import type { BuildSpec } from '../../domain/desired-state.js';

export const CACHE_DIR = '/opus/cache';

export const CACHE_ENV: Record<string, string> = {
  npm_config_cache: `${CACHE_DIR}/npm`,
  YARN_CACHE_FOLDER: `${CACHE_DIR}/yarn`,
  PNPM_STORE_DIR: `${CACHE_DIR}/pnpm`,
};

export function cacheVolumeName(project: string): string {
  return `opus-cache-${project}`;
}

export interface CacheSetup {
  env: Record<string, string>;
  mounts: { Type: 'volume'; Source: string; Target: string }[];
}

/** Makes sure the volume exists (labelled, so it can be found and pruned) and says how to mount it. */
export async function prepareCache(docker: Docker, project: string, spec: BuildSpec): Promise<CacheSetup> {
  if (spec.cache === false) return { env: {}, mounts: [] };
  const name = cacheVolumeName(project);
  // Creating a volume that exists returns it unchanged.
  await docker.createVolume({ Name: name, Labels: { 'dev.opus.cache': project } });
  return { env: CACHE_ENV, mounts: [{ Type: 'volume', Source: name, Target: CACHE_DIR }] };
}
