import type { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { UserError, errorMessage } from '../../domain/errors.js';
import { RunnerUnavailable } from '../../ports/build-runner.js';

/** Where dockerode connects: DOCKER_HOST, else the default socket. */
export function dockerHost(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Uses a local image when there is one, else pulls it; a clear error when neither works. */
export async function ensureImage(docker: Docker, image: string, log: Writable): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    // No HTTP status: the engine itself did not answer (no socket, refused), which is not a missing image.
    if ((error as { statusCode?: number }).statusCode === undefined) throw new RunnerUnavailable(`Docker not reachable at ${dockerHost()}: ${errorMessage(error)}`);
    log.write(`opus: image ${image} is not on the Docker host; pulling it\n`);
  }
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())));
  } catch (error) {
    throw new UserError(`image "${image}" is not on the Docker host and could not be pulled: ${errorMessage(error)}`, [
      'check build.image, or load the image into the Docker host (docker load / docker import)',
    ]);
  }
}
