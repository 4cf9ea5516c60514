// The per-project package cache kept between builds: a Docker named volume mounted at /opus/cache,
// with npm, yarn and pnpm pointed into it. `build.cache: false` opts out. The volume is this
// server's (its owner id is in the name): two Opus servers on one Docker Engine never share a
// cache, so one's builds cannot plant packages in the other's.
import type Docker from 'dockerode';
import { DEFAULT_SANDBOX } from '../../domain/build-limits.js';
import type { BuildSpec } from '../../domain/desired-state.js';

export const CACHE_DIR = '/opus/cache';

export const CACHE_ENV: Record<string, string> = {
  npm_config_cache: `${CACHE_DIR}/npm`,
  YARN_CACHE_FOLDER: `${CACHE_DIR}/yarn`,
  PNPM_STORE_DIR: `${CACHE_DIR}/pnpm`,
};

export const CACHE_LABEL = 'dev.opus.cache';

/**
 * The volume's name. A build user other than root has its own volume (`-u1000-1000`): a cache that
 * root builds of earlier Opus versions filled is root's, and npm as another user could not write it.
 */
export function cacheVolumeName(project: string, owner?: string, user?: string): string {
  const base = owner ? `opus-cache-${owner}-${project}` : `opus-cache-${project}`;
  return user === undefined || user === 'root' || /^0(:|$)/.test(user) ? base : `${base}-u${user.replace(/[^\w.-]/g, '-')}`;
}

export interface CacheSetup {
  env: Record<string, string>;
  mounts: { Type: 'volume'; Source: string; Target: string }[];
}

/** Makes sure the volume exists (labelled, so it can be found and pruned) and says how to mount it. */
export async function prepareCache(docker: Docker, project: string, spec: BuildSpec, owner?: string): Promise<CacheSetup> {
  if (spec.cache === false) return { env: {}, mounts: [] };
  const name = cacheVolumeName(project, owner, (spec.sandbox ?? DEFAULT_SANDBOX).user);
  // Creating a volume that exists returns it unchanged.
  await docker.createVolume({ Name: name, Labels: { [CACHE_LABEL]: project, ...(owner ? { 'dev.opus.owner': owner } : {}) } });
  return { env: CACHE_ENV, mounts: [{ Type: 'volume', Source: name, Target: CACHE_DIR }] };
}

/**
 * Removes the project's caches, for every build user (the project was removed); a volume in use by
 * a running build stays until the next removal.
 */
export async function removeCache(docker: Docker, project: string, owner?: string): Promise<void> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${CACHE_LABEL}=${project}`, ...(owner ? [`dev.opus.owner=${owner}`] : [])] } });
  const names = new Set([cacheVolumeName(project, owner), ...(Volumes ?? []).map((v) => v.Name).filter((name) => name.startsWith(cacheVolumeName(project, owner)))]);
  for (const name of names) {
    await docker.getVolume(name).remove().catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
    });
  }
}
