// Whether the Docker Engine answers, looked at every few seconds: when it comes back after not
// answering, the server syncs at once, so builds that failed with "Docker not reachable" run
// again within seconds instead of waiting for the retry backoff or the next sync.interval.
import type Docker from 'dockerode';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../services/logger.js';
import { dockerHost } from '../adapters/docker/ensure-image.js';

export interface EngineWatch {
  stop(): void;
}

/** `onBack` may do I/O (read build records, sync): what it fails with is logged, never left unhandled. */
export async function watchEngine(docker: Pick<Docker, 'ping'>, onBack: () => Promise<unknown> | undefined, logger: Logger, everyMs = 3_000): Promise<EngineWatch> {
  const ping = () => docker.ping().then(() => undefined, (error: unknown) => errorMessage(error));
  let down = await ping();
  if (down) logger.warn(`Docker not reachable at ${dockerHost()}: builds fail until it answers, and run as soon as it does (set DOCKER_HOST to an engine's socket; export DOCKER_HOST="$(bash scripts/docker-engine.sh | tail -n 1)" starts one)`, { error: down });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const look = async () => {
    const now = await ping();
    if (stopped) return;
    if (down && !now) {
      logger.info(`Docker answers again at ${dockerHost()}: syncing`);
      onBack()?.catch((error: unknown) => logger.error('cannot retry the builds that failed for want of Docker', { error: errorMessage(error) }));
    } else if (!down && now) logger.warn(`Docker not reachable at ${dockerHost()}`, { error: now });
    down = now;
    timer = setTimeout(() => void look(), everyMs);
  };
  timer = setTimeout(() => void look(), everyMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
