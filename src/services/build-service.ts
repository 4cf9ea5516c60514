// One build of project@version, from source to a published version, with its record and log; and which runner (opus.yaml builds.runner) runs it.
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BUILD_LIMITS } from '../domain/build-limits.js';
import { resolveBuildSecrets, type ResolvedSecrets } from '../domain/build-secrets.js';
import type { BuildRunnerKind, ProjectSpec } from '../domain/desired-state.js';
import { UserError, errorMessage } from '../domain/errors.js';
import { FencedWrite } from '../domain/fencing.js';
import { failedOrCancelled, finished as finishedRecord, handedOver, HandedOver, runningRecord, succeeded } from '../domain/build-record.js';
import type { BuildRecord } from '../domain/build-record.js';
import type { BuildRecords } from '../ports/build-records.js';
import type { VersionStore } from '../ports/version-store.js';
import { RunnerUnavailable, type BuildJob, type BuildRunner } from '../ports/build-runner.js';
import { noEvents, type EventSink } from '../ports/event-sink.js';
import type { SourceRepos } from '../ports/git-sources.js';
import { failureCause, withCause } from '../domain/build-failure-cause.js';
import { SHUTDOWN } from './build-queue.js';
import type { SecretReader } from '../ports/secrets.js';
import { BuildLog } from './build-log.js';
import type { Logger } from './logger.js';
import { MIN_SECRET_LENGTH, maskText } from './secret-mask.js';

export class BuildService {
  constructor(
    private readonly store: VersionStore & BuildRecords,
    private readonly sources: SourceRepos,
    private readonly runner: BuildRunner,
    private readonly logger: Logger,
    private readonly events: EventSink = noEvents,
    private readonly readSecret: SecretReader = () => undefined,
    /** Where sources are checked out, one directory per build (the server's own: a restart empties it). */
    private readonly checkouts: string = tmpdir(),
  ) {}

  /** The project was removed from the config repo: what its builds kept (a package cache) goes too. */
  async forgetProject(project: string): Promise<void> {
    await this.runner.forgetProject?.(project);
  }

  /** Builds and publishes; a failure is recorded (with its log) and returned, never thrown. */
  async build(project: ProjectSpec, version: string, signal?: AbortSignal): Promise<BuildRecord> {
    const previous = await this.store.readBuild(project.name, version);
    const started = Date.now();
    let record = runningRecord(project, version, new Date(started).toISOString(), previous);
    if (!(await this.recorded(record))) return this.handedOver(handedOver(record));
    const limits = project.build.limits ?? DEFAULT_BUILD_LIMITS;
    // Read before the log opens, so the mask knows them; a missing one fails the build below.
    let secrets: ResolvedSecrets = { env: {}, values: [] };
    let missing: Error | undefined;
    try {
      secrets = resolveBuildSecrets(project.build.secrets, this.readSecret, MIN_SECRET_LENGTH);
    } catch (error) {
      missing = error instanceof Error ? error : new Error(String(error));
    }
    const log = new BuildLog(await this.store.logs.createLog(project.name, version), limits.logBytes, secrets.values);
    await mkdir(this.checkouts, { recursive: true });
    const sourceDir = await mkdtemp(join(this.checkouts, `opus-src-${project.name}-`));
    const staging = await this.store.createStaging(project.name, version);
    const outputDir = staging.dir;
    this.logger.info('build started', { project: project.name, version });
    this.events.emit({ event: 'build.started', project: project.name, version });
    try {
      if (missing) throw missing;
      const at = project.checkout ? `${project.checkout.ref} (${project.checkout.commit})` : version;
      log.note(`opus: cloning ${project.source} at ${at}\n`);
      const commit = project.checkout ? await this.sources.checkoutCommit(project.source, project.checkout.ref, project.checkout.commit, sourceDir) : await this.sources.checkout(project.source, version, sourceDir);
      record = { ...record, commit };
      log.note(`opus: commit ${commit}; running "${project.build.command}" in ${project.build.image}\n`);
      const job = { project: project.name, version, commit, spec: project.build, sourceDir, outputDir, log: log.output, secretEnv: secrets.env, ...(secrets.kubernetes ? { secretKeys: secrets.kubernetes } : {}) };
      await this.runner.run({ ...job, ...(signal ? { signal } : {}) });
      // Every fact of the build is on record before it is published: a server killed between the
      // publish and the final record closes it on restart with them (TriggerService.resume).
      await this.store.writeBuild({ ...record, ...(await outputStats(outputDir)), durationMs: Date.now() - started });
      const { notes, ...stats } = await staging.publish(limits);
      for (const line of notes) log.note(`${line}\n`);
      record = succeeded(record, stats);
      log.note(`opus: published ${stats.files} files (${stats.bytes} bytes)\n`);
    } catch (error) {
      // A cancel is no failure: it does not count towards the retry backoff. A secret in a message is masked there too.
      // A write the store refused for an older term: a later leader owns the build now.
      record = signal?.reason instanceof HandedOver || error instanceof FencedWrite ? handedOver(record) : failedOrCancelled(record, signal?.aborted === true, maskText(errorMessage(error), secrets.values));
      if (error instanceof RunnerUnavailable) record = { ...record, unavailable: true };
      // The log is where "see the build log" points: in it, the pointer would point at itself.
      log.note(`opus: build ${record.status}: ${errorMessage(error).replace(/: see the build log$/, '')}\n`);
      await staging.discard();
    } finally {
      await rm(sourceDir, { recursive: true, force: true });
      await log.close().catch(() => undefined);
    }
    if (record.status === 'queued') {
      await this.recorded(record);
      return this.handedOver(record);
    }
    // Stopped with the server: the record stays `running`, so the next start builds it again.
    if (signal?.aborted && signal.reason === SHUTDOWN) {
      this.logger.info('build stopped with the server; it runs again at the next start', { project: project.name, version });
      return { ...record, status: 'cancelled' };
    }
    if (record.status === 'failed') {
      // The lines of the log's tail that look like the cause, ahead of the generic error.
      const tail = await this.store.logs.readLog(project.name, version, 0, 0).then((l) => (l ? this.store.logs.readLog(project.name, version, Math.max(0, l.size - 32 * 1024), 32 * 1024) : undefined));
      const cause = failureCause(tail?.bytes.toString('utf8') ?? '');
      if (cause.length > 0) record = { ...record, cause, error: withCause(record.error ?? 'the build failed', cause) };
    }
    record = finishedRecord(record, new Date().toISOString(), Date.now() - started);
    if (!(await this.recorded(record))) return this.handedOver(handedOver(record));
    const fields = { project: project.name, version, commit: record.commit, durationMs: record.durationMs };
    if (record.status === 'failed') this.logger.warn('build failed', { ...fields, error: record.error });
    else this.logger.info(`build ${record.status}`, fields);
    this.events.emit({
      event: record.status === 'succeeded' ? 'build.succeeded' : record.status === 'cancelled' ? 'build.cancelled' : 'build.failed',
      project: project.name,
      version,
      durationMs: record.durationMs,
      ...(record.commit ? { commit: record.commit } : {}),
      ...(record.error ? { message: record.error } : {}),
    });
    return record;
  }

  /** Writes the record; false when the store refused it for an older term (FencedWrite): the build is no longer this replica's. */
  private async recorded(record: BuildRecord): Promise<boolean> {
    try {
      await this.store.writeBuild(record);
      return true;
    } catch (error) {
      if (error instanceof FencedWrite) return false;
      throw error;
    }
  }

  /** Handed over: the next leader runs it; nothing ended, nothing to announce. */
  private handedOver(record: BuildRecord): BuildRecord {
    this.logger.info('build handed over to the next leader', { project: record.project, version: record.version });
    return record;
  }
}

/** Files and bytes of a build's output, as publish counts them. */
async function outputStats(dir: string): Promise<{ files: number; bytes: number }> {
  const entries = (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile());
  const sizes = await Promise.all(entries.map(async (e) => (await lstat(join(e.parentPath, e.name))).size));
  return { files: entries.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

/** The build runner opus.yaml asks for (builds.runner), chosen per build, so changing it needs no restart. */
export class RunnerChoice implements BuildRunner {
  constructor(
    private readonly wanted: () => BuildRunnerKind | undefined,
    private readonly runners: { docker: BuildRunner; kubernetes?: BuildRunner | undefined },
  ) {}

  async forgetProject(project: string): Promise<void> {
    for (const runner of Object.values(this.runners)) await runner?.forgetProject?.(project);
  }

  run(job: BuildJob): Promise<void> {
    const kind = this.wanted() ?? 'docker';
    const runner = this.runners[kind];
    if (!runner) {
      return Promise.reject(new UserError('opus.yaml asks for builds.runner: kubernetes, but this server does not run in a Kubernetes cluster (no POD_NAMESPACE, POD_IP and OPUS_IMAGE, which `opus install` sets)'));
    }
    return runner.run(job);
  }
}
