// Which Docker Engine a server (or a local build) talks to when DOCKER_HOST is not set: the default
// socket, else the private engine that scripts/docker-engine.sh (and so `npm test`) starts, in the
// same order as that script. Without this, `npm start` on such a machine found no engine.
import { existsSync } from 'node:fs';

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const PRIVATE_SOCKET = '/run/opus-docker/docker.sock';

/** The DOCKER_HOST to use, or undefined to leave it as it is (set already, or nothing better). */
export function fallbackDockerHost(env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync): string | undefined {
  if (env.DOCKER_HOST) return undefined;
  if (exists(DEFAULT_SOCKET) || !exists(PRIVATE_SOCKET)) return undefined;
  return `unix://${PRIVATE_SOCKET}`;
}

/** Sets DOCKER_HOST for dockerode and the messages when only the private engine is there; says which. */
export function useFallbackDockerHost(log: (message: string) => void): void {
  const host = fallbackDockerHost(process.env);
  if (!host) return;
  process.env.DOCKER_HOST = host;
  log(`DOCKER_HOST is not set and ${DEFAULT_SOCKET} is missing: using the engine of scripts/docker-engine.sh at ${host}`);
}
