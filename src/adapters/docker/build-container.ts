// What a build container is given, and nothing more: the build runs as a non-root user (default
// 1000:1000, the `node` user of Node images) with every capability dropped (a non-root
// `npm ci && npm run build` needs none), no-new-privileges (setuid binaries of the image do not
// raise it), and limits on memory, CPU and processes. The network is Docker's default unless
// build.network says otherwise (README: what `host` exposes).
import type Docker from 'dockerode';
import { DEFAULT_SANDBOX } from '../../domain/build-limits.js';
import type { BuildJob } from '../../ports/build-runner.js';
import type { CacheSetup } from './build-cache.js';

export const WORKSPACE = '/workspace';
export const OWNER_LABEL = 'dev.opus.owner';

export function buildContainerOptions(job: BuildJob, cache: CacheSetup, owner?: string): Docker.ContainerCreateOptions {
  const { spec } = job;
  const sandbox = spec.sandbox ?? DEFAULT_SANDBOX;
  // Secrets last: a build.env of the same name never hides one, and they appear nowhere else.
  const env = { CI: 'true', ...cache.env, ...spec.env, OPUS_PROJECT: job.project, OPUS_VERSION: job.version, OPUS_COMMIT: job.commit, ...job.secretEnv };
  return {
    Image: spec.image,
    Cmd: ['sh', '-c', spec.command],
    WorkingDir: WORKSPACE,
    User: sandbox.user,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'dev.opus.project': job.project, 'dev.opus.version': job.version, ...(owner ? { [OWNER_LABEL]: owner } : {}) },
    HostConfig: {
      ...(cache.mounts.length ? { Mounts: cache.mounts } : {}),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      NanoCpus: Math.round(sandbox.cpus * 1e9),
      PidsLimit: sandbox.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ...(spec.network === 'default' ? {} : { NetworkMode: spec.network }),
    },
  };
}
