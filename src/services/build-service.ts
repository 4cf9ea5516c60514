// One build of project@version, from source to a published version, with its record and log.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ProjectSpec } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { failedOrCancelled, finished as finishedRecord, runningRecord, succeeded } from '../domain/build-record.js';
import type { BuildRecord } from '../domain/build-record.js';
import type { BuildRecords } from '../ports/build-records.js';
import type { VersionStore } from '../ports/version-store.js';
import { RunnerUnavailable, type BuildRunner } from '../ports/build-runner.js';
import { noEvents, type EventSink } from '../ports/event-sink.js';
import type { SourceRepos } from '../ports/git-sources.js';
import { failureCause, withCause } from '../domain/build-failure-cause.js';
import { SHUTDOWN } from './build-queue.js';
import type { Logger } from './logger.js';

export class BuildService {
  constructor(
    private readonly store: VersionStore & BuildRecords,
    private readonly sources: SourceRepos,
    private readonly runner: BuildRunner,
    private readonly logger: Logger,
    private readonly events: EventSink = noEvents,
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
    await this.store.writeBuild(record);
    const log = await this.store.createLog(project.name, version);
    const sourceDir = await mkdtemp(join(tmpdir(), `opus-src-${project.name}-`));
    const outputDir = await this.store.createStaging(project.name, version);
    this.logger.info('build started', { project: project.name, version });
    this.events.emit({ event: 'build.started', project: project.name, version });
    try {
      log.write(`opus: cloning ${project.source} at ${version}\n`);
      const commit = await this.sources.checkout(project.source, version, sourceDir);
      record = { ...record, commit };
      log.write(`opus: commit ${commit}; running "${project.build.command}" in ${project.build.image}\n`);
      await this.runner.run({ project: project.name, version, commit, spec: project.build, sourceDir, outputDir, log, ...(signal ? { signal } : {}) });
      const stats = await this.store.publish(project.name, version, outputDir);
      record = succeeded(record, stats);
      log.write(`opus: published ${stats.files} files (${stats.bytes} bytes)\n`);
    } catch (error) {
      // A cancel is no failure: it does not count towards the retry backoff.
      record = failedOrCancelled(record, signal?.aborted === true, errorMessage(error));
      if (error instanceof RunnerUnavailable) record = { ...record, unavailable: true };
      log.write(`opus: build ${record.status}: ${errorMessage(error)}\n`);
      await this.store.discardStaging(outputDir);
    } finally {
      await rm(sourceDir, { recursive: true, force: true });
      log.end();
      await finished(log).catch(() => undefined);
    }
    // Stopped with the server: the record stays `running`, so the next start builds it again.
    if (signal?.aborted && signal.reason === SHUTDOWN) {
      this.logger.info('build stopped with the server; it runs again at the next start', { project: project.name, version });
      return { ...record, status: 'cancelled' };
    }
    if (record.status === 'failed') {
      // The lines of the log's tail that look like the cause, ahead of the generic error.
      const tail = await this.store.readLog(project.name, version, 0, 0).then((l) => (l ? this.store.readLog(project.name, version, Math.max(0, l.size - 32 * 1024), 32 * 1024) : undefined));
      const cause = failureCause(tail?.bytes.toString('utf8') ?? '');
      if (cause.length > 0) record = { ...record, cause, error: withCause(record.error ?? 'the build failed', cause) };
    }
    record = finishedRecord(record, new Date().toISOString(), Date.now() - started);
    await this.store.writeBuild(record);
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
}
