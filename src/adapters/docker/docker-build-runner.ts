// Runs a build in a fresh Docker container: create → copy source in → start → stream logs →
// wait (with timeout, memory limit, cancel) → copy output out → remove, always.
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import * as tar from 'tar';
import { UserError, errorMessage } from '../../domain/errors.js';
import type { BuildJob, BuildRunner } from '../../ports/build-runner.js';
import { prepareCache, removeCache } from './build-cache.js';
import { ensureImage } from './ensure-image.js';

const WORKSPACE = '/workspace';
const OWNER_LABEL = 'dev.opus.owner';

export interface DockerRunnerOptions {
  /** Labels this runner's containers, so a restarted server can remove the ones it left running. */
  owner?: string;
  /** Names the package cache volumes (default: the owner), so servers on one engine never share one. */
  cacheId?: string;
}

export class DockerBuildRunner implements BuildRunner {
  constructor(
    private readonly docker: Docker = new Docker(),
    private readonly options: DockerRunnerOptions = {},
  ) {}

  /** Removes build containers of this owner left by a server that was killed; returns how many. */
  async removeLeftovers(): Promise<number> {
    if (!this.options.owner) return 0;
    const left = await this.docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${this.options.owner}`] } });
    await Promise.all(left.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    return left.length;
  }

  forgetProject(project: string): Promise<void> {
    return removeCache(this.docker, project, this.options.cacheId ?? this.options.owner);
  }

  async run(job: BuildJob): Promise<void> {
    const { spec } = job;
    if (job.signal?.aborted) throw new UserError('the build was cancelled');
    await ensureImage(this.docker, spec.image, job.log);
    const cache = await prepareCache(this.docker, job.project, spec, this.options.cacheId ?? this.options.owner);
    const container = await this.docker.createContainer({
      Image: spec.image,
      Cmd: ['sh', '-c', spec.command],
      WorkingDir: WORKSPACE,
      Env: Object.entries({ CI: 'true', ...cache.env, ...spec.env, OPUS_PROJECT: job.project, OPUS_VERSION: job.version, OPUS_COMMIT: job.commit }).map(([k, v]) => `${k}=${v}`),
      Labels: { 'dev.opus.project': job.project, 'dev.opus.version': job.version, ...(this.options.owner ? { [OWNER_LABEL]: this.options.owner } : {}) },
      HostConfig: {
        ...(cache.mounts.length ? { Mounts: cache.mounts } : {}),
        Memory: spec.memoryBytes,
        MemorySwap: spec.memoryBytes,
        ...(spec.network === 'default' ? {} : { NetworkMode: spec.network }),
      },
    });
    try {
      await container.putArchive(Readable.from(tar.c({ cwd: job.sourceDir, portable: true, prefix: WORKSPACE.slice(1) }, await readdir(job.sourceDir))), { path: '/' });
      const output = await container.attach({ stream: true, stdout: true, stderr: true });
      (container.modem as DockerModem).demuxStream(output, job.log, job.log);
      const ended = once(output, 'end');
      await container.start();
      const exitCode = await this.waitWithLimits(container, job);
      await Promise.race([ended, delay(2000)]);
      const state = (await container.inspect()).State;
      if (state.OOMKilled) throw new UserError(`the build ran out of memory (limit ${Math.round(spec.memoryBytes / 1024 ** 2)} MiB): raise build.memory`);
      if (exitCode !== 0) throw new UserError(`the build command exited with code ${exitCode}: see the build log`);
      await this.copyOutput(container, job);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  private async waitWithLimits(container: Docker.Container, job: BuildJob): Promise<number> {
    let stopReason: string | undefined;
    const stop = (reason: string) => {
      stopReason = reason;
      void container.kill().catch(() => undefined);
    };
    const timer = setTimeout(() => stop(`the build timed out after ${Math.round(job.spec.timeoutMs / 1000)}s: raise build.timeout or make the build faster`), job.spec.timeoutMs);
    const onAbort = () => stop('the build was cancelled');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    // An abort while the container was being prepared fired no event: stop it now.
    if (job.signal?.aborted) onAbort();
    try {
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (stopReason) throw new UserError(stopReason);
      return StatusCode;
    } finally {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async copyOutput(container: Docker.Container, job: BuildJob): Promise<void> {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: `${WORKSPACE}/${job.spec.output}` });
    } catch (error) {
      throw new UserError(`the build finished but wrote no "${job.spec.output}" directory (${errorMessage(error).split('\n')[0]}): check build.output`);
    }
    const extract = tar.x({ cwd: job.outputDir, strip: 1, preserveOwner: false });
    const done = once(extract, 'close');
    archive.pipe(extract);
    await done;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The part of docker-modem that @types/dockerode leaves untyped: splits an attached stream into stdout and stderr. */
interface DockerModem {
  demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void;
}
