// One build of project@version, from source to a published version, with its record and log.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ProjectSpec } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { failureCause, withCause } from '../domain/build-failure-cause.js';
import { publishedOf } from '../domain/builds.js';
import { buildSettingsKey } from '../domain/plan.js';
import type { ArtifactStore, BuildRecord } from '../ports/artifact-store.js';
import { RunnerUnavailable, type BuildRunner } from '../ports/build-runner.js';
import { noEvents, type EventSink } from '../ports/event-sink.js';
import type { SourceRepos } from '../ports/git-sources.js';
import { SHUTDOWN } from './build-queue.js';
import type { Logger } from './logger.js';

export class BuildService {
  constructor(
    private readonly store: ArtifactStore,
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
    const record: BuildRecord = {
      project: project.name,
      version,
      status: 'running',
      ...queuedFields(previous),
      startedAt: new Date(started).toISOString(),
      attempts: previous && previous.status !== 'succeeded' ? previous.attempts : 0,
      settings: buildSettingsKey(project.source, project.build),
      ...publishedOf(previous),
    };
    await this.store.writeBuild(record);
    const logPath = this.store.logPath(project.name, version);
    await mkdir(dirname(logPath), { recursive: true });
    const log = createWriteStream(logPath);
    const sourceDir = await mkdtemp(join(tmpdir(), `opus-src-${project.name}-`));
    const outputDir = await this.store.createStaging(project.name, version);
    this.logger.info('build started', { project: project.name, version });
    this.events.emit({ event: 'build.started', project: project.name, version });
    try {
      log.write(`opus: cloning ${project.source} at ${version}\n`);
      record.commit = await this.sources.checkout(project.source, version, sourceDir);
      log.write(`opus: commit ${record.commit}; running "${project.build.command}" in ${project.build.image}\n`);
      await this.runner.run({ project: project.name, version, commit: record.commit, spec: project.build, sourceDir, outputDir, log, ...(signal ? { signal } : {}) });
      const stats = await this.store.publish(project.name, version, outputDir);
      Object.assign(record, { status: 'succeeded', attempts: 0, ...stats });
      delete record.published;
      log.write(`opus: published ${stats.files} files (${stats.bytes} bytes)\n`);
    } catch (error) {
      // A cancel is no failure: it does not count towards the retry backoff.
      if (signal?.aborted && signal.reason === SHUTDOWN) record.error = undefined;
      else if (signal?.aborted) Object.assign(record, { status: 'cancelled', error: 'cancelled while running' });
      else Object.assign(record, { status: 'failed', attempts: record.attempts + 1, error: errorMessage(error), ...(error instanceof RunnerUnavailable ? { unavailable: true } : {}) });
      log.write(`opus: build ${record.status}: ${errorMessage(error)}\n`);
      await this.store.discardStaging(outputDir);
    } finally {
      await rm(sourceDir, { recursive: true, force: true });
      log.end();
      await finished(log).catch(() => undefined);
    }
    if (record.status === 'failed') {
      const cause = failureCause(await readTail(logPath));
      if (cause.length > 0) Object.assign(record, { cause, error: withCause(record.error ?? 'the build failed', cause) });
    }
    // Stopped with the server: the record stays `running`, so the next start builds it again.
    if (signal?.aborted && signal.reason === SHUTDOWN) {
      this.logger.info('build stopped with the server; it runs again at the next start', { project: project.name, version });
      return { ...record, status: 'cancelled' };
    }
    record.finishedAt = new Date().toISOString();
    record.durationMs = Date.now() - started;
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

/** What a build keeps of its queued record: when and why it was queued. */
function queuedFields(previous: BuildRecord | undefined): Pick<BuildRecord, 'queuedAt' | 'trigger' | 'force'> {
  if (previous?.status !== 'queued') return {};
  return { ...(previous.queuedAt ? { queuedAt: previous.queuedAt } : {}), ...(previous.trigger ? { trigger: previous.trigger } : {}), ...(previous.force ? { force: true } : {}) };
}

/** The last 32 KiB of a log: where a failed build says why. */
async function readTail(path: string, bytes = 32 * 1024): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return '';
  try {
    const { size } = await file.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}
