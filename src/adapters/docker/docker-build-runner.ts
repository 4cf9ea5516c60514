// Runs a build in a fresh Docker container: create → copy source in → start → stream logs →
// wait (with timeout, memory limit, cancel) → copy output out → remove, always.
import { once } from 'node:events';
import Docker from 'dockerode';
import { DEFAULT_BUILD_LIMITS } from '../../domain/build-limits.js';
import { kubernetesSecretProblem } from '../../domain/build-secrets.js';
import { UserError, errorMessage } from '../../domain/errors.js';
import type { BuildJob, BuildRunner } from '../../ports/build-runner.js';
import { extractOutput } from '../fs/output-extract.js';
import { watchDisk } from './disk-watch.js';
import { CACHE_DIR, prepareCache, removeCache } from './build-cache.js';
import { buildContainerOptions, OWNER_LABEL, WORKSPACE } from './build-container.js';
import { ensureImage } from './ensure-image.js';
import { workspaceArchive } from './workspace-archive.js';

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
    // The config check refuses these already (desired-state); a build that reaches here anyway gets the same answer.
    const kube = kubernetesSecretProblem(Object.fromEntries(Object.entries(job.secretKeys ?? {}).map(([name, key]) => [name, { kubernetesSecret: key }])), 'docker');
    if (kube) throw new UserError(`${kube.path}: ${kube.message}`);
    await ensureImage(this.docker, spec.image, job.log);
    const cache = await prepareCache(this.docker, job.project, spec, this.options.cacheId ?? this.options.owner);
    const container = await this.docker.createContainer(buildContainerOptions(job, cache, this.options.owner));
    try {
      const writable = cache.mounts.length ? [CACHE_DIR.slice(1)] : [];
      await container.putArchive(workspaceArchive(job.sourceDir, WORKSPACE.slice(1), writable), { path: '/' });
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
    const disk = watchDisk(container, (job.spec.limits ?? DEFAULT_BUILD_LIMITS).diskBytes, stop);
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
      disk.stop();
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
    // Docker archives the directory itself (dist/…): strip that name.
    await extractOutput(archive, job.outputDir, { strip: 1, limits: job.spec.limits ?? DEFAULT_BUILD_LIMITS, note: (line) => job.log.write(`${line}\n`) });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The part of docker-modem that @types/dockerode leaves untyped: splits an attached stream into stdout and stderr. */
interface DockerModem {
  demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void;
}
