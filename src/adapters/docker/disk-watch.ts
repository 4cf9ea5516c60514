// What a build writes inside its container (its workspace, node_modules, /tmp) lands in the
// container's writable layer, on the host's disk: Docker puts no bound on it (a size quota needs
// overlay2 on XFS with project quotas, which a laptop or a bare server rarely has). So the layer's
// size, as Docker itself counts it (apparent sizes: a sparse file counts whole), is asked for every
// few seconds while the build runs, and the build is stopped past build.limits.disk.
import type Docker from 'dockerode';
import { limitMessage } from '../../domain/build-limits.js';

/** Often enough that a build writing at disk speed overshoots by a few GB at most; Docker walks the layer for each answer. */
const EVERY_MS = 2_000;

/** GET /containers/{id}/json?size=true (Docker's documented query; @types/dockerode leaves it out, dockerode passes it on). */
const WITH_SIZE = { size: true } as Docker.ContainerInspectOptions;

export function watchDisk(container: Docker.Container, limitBytes: number, stop: (reason: string) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async () => {
    const info = (await container.inspect(WITH_SIZE).catch(() => undefined)) as { SizeRw?: number } | undefined;
    if (stopped) return;
    const used = info?.SizeRw ?? 0;
    if (used > limitBytes) return stop(limitMessage('diskBytes', limitBytes, used));
    timer = setTimeout(() => void check(), EVERY_MS);
  };
  if (Number.isFinite(limitBytes)) timer = setTimeout(() => void check(), EVERY_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
