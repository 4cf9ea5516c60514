// Every build, whatever asked for it (the sync loop, the API, a webhook, a restart), goes through
// here: it is recorded as `queued` in the store before it runs (so a restart finds it), put on the
// bounded BuildQueue (one per project@version), can be cancelled, and listed with its position.
import { HandedOver, notRunRecord, queuedRecord } from '../domain/build-record.js';
import { activeView, buildViews, type ActiveBuild, type BuildTrigger, type BuildView } from '../domain/builds.js';
import type { ProjectSpec } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { buildKey } from '../domain/names.js';
import type { BuildRecord } from '../domain/build-record.js';
import type { BuildRecords } from '../ports/build-records.js';
import { noEvents, type EventSink } from '../ports/event-sink.js';
import type { BuildQueue } from './build-queue.js';
import type { BuildService } from './build-service.js';
import type { Logger } from './logger.js';

export interface ScheduleOptions {
  trigger: BuildTrigger;
  /** Rebuild a version that is built already (replacing it whole). */
  force?: boolean;
}

export interface ScheduledBuild {
  id: string;
  /** Settles when the build is over: succeeded, failed or cancelled (never rejects). */
  done: Promise<BuildRecord>;
}

interface Entry extends ActiveBuild {
  done: Promise<BuildRecord>;
}

export interface SchedulerDeps {
  queue: BuildQueue;
  builds: Pick<BuildService, 'build'>;
  store: BuildRecords;
  logger: Logger;
  events?: EventSink;
  /** While false, nothing is queued nor recorded: a replica that lost the sync Lease builds nothing (its successor does). */
  mayBuild?: () => boolean;
}

export class BuildScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly finishedListeners: ((record: BuildRecord) => void)[] = [];

  constructor(private readonly deps: SchedulerDeps) {}

  /** Called after every build, whatever its outcome (the sync service reconciles then). */
  onFinished(listener: (record: BuildRecord) => void): void {
    this.finishedListeners.push(listener);
  }

  /** project@version keys queued or running (including ones being recorded right now). */
  keys(): Set<string> {
    return new Set([...this.entries.keys(), ...this.deps.queue.keys()]);
  }

  isActive(project: string, version: string): boolean {
    return this.entries.has(buildKey(project, version));
  }

  /** Queues a build; asking again for a queued or running one returns that one. Synchronous enqueue. */
  schedule(project: ProjectSpec, version: string, options: ScheduleOptions): ScheduledBuild {
    const id = buildKey(project.name, version);
    const existing = this.entries.get(id);
    if (existing) return { id, done: existing.done };
    const queuedAt = new Date().toISOString();
    // Whatever asked (a reconcile after a handed-over build, a sync or webhook under way when the Lease
    // went or the server began stopping), another run builds it: a queue that stops never would, and
    // by the time a record were written the Lease may be gone.
    const leftTo = this.deps.mayBuild && !this.deps.mayBuild() ? 'the sync leader: this replica does not lead' : this.deps.queue.stopping ? 'the next start: the server is stopping' : undefined;
    if (leftTo) {
      this.deps.logger.info(`build left to ${leftTo}`, { project: project.name, version });
      return { id, done: Promise.resolve(queuedRecord(project, version, options, queuedAt, undefined)) };
    }
    const recorded = this.recordQueued(project, version, options, queuedAt);
    // Awaited by the task, which may never run (dropped at shutdown): a failed write (a fenced one) must not go unhandled.
    recorded.catch((e: unknown) => this.deps.logger.error('cannot record a queued build', { project: project.name, version, error: errorMessage(e) }));
    let finished: BuildRecord | undefined;
    const task = async (signal: AbortSignal) => {
      await recorded;
      finished = await this.deps.builds.build(project, version, signal);
    };
    const ran = this.deps.queue.enqueue(id, task);
    const done = ran.then(
      () => finished as BuildRecord,
      (error: unknown) => this.recordNotRun(project, version, error, recorded),
    ).finally(() => this.entries.delete(id));
    const entry: Entry = { project: project.name, version, status: 'queued', trigger: options.trigger, force: options.force === true, queuedAt, done };
    this.entries.set(id, entry);
    this.deps.events?.emit({ event: 'build.queued', project: project.name, version });
    void done.then((record) => this.finishedListeners.forEach((listener) => listener(record)));
    return { id, done };
  }

  /** Cancels a queued build at once, or kills a running one; the promise settles with its record. */
  cancel(project: string, version: string, reason?: Error): Promise<BuildRecord> | undefined {
    const id = buildKey(project, version);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.deps.queue.cancel(id, reason);
    this.deps.logger.info('build cancel requested', { project, version });
    return entry.done;
  }

  active(): ActiveBuild[] {
    const running = new Set(this.deps.queue.runningKeys());
    const queued = this.deps.queue.queuedKeys();
    return [...this.entries].map(([id, entry]) => {
      if (running.has(id)) return { ...withoutDone(entry), status: 'running' };
      const index = queued.indexOf(id);
      return { ...withoutDone(entry), status: 'queued', position: index < 0 ? queued.length + 1 : index + 1 };
    });
  }

  async views(project?: string, recent = 50): Promise<BuildView[]> {
    const records = (await this.deps.store.listBuilds()).filter((r) => project === undefined || r.project === project);
    return buildViews(this.active().filter((a) => project === undefined || a.project === project), records, recent);
  }

  async view(project: string, version: string): Promise<BuildView | undefined> {
    const record = await this.deps.store.readBuild(project, version);
    const active = this.active().find((a) => a.project === project && a.version === version);
    if (active) return activeView(active, record);
    return record ? buildViews([], [record])[0] : undefined;
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.entries.size > 0) await Promise.allSettled([...this.entries.values()].map((e) => e.done));
  }

  /** The record says `queued` before the build can start; the log of an earlier build goes. */
  private async recordQueued(project: ProjectSpec, version: string, options: ScheduleOptions, queuedAt: string): Promise<void> {
    const { store } = this.deps;
    await store.writeBuild(queuedRecord(project, version, options, queuedAt, await store.readBuild(project.name, version)));
    await store.logs.removeLog(project.name, version);
  }

  /** A build that never ran: cancelled while queued (or its record could not be written). */
  private async recordNotRun(project: ProjectSpec, version: string, error: unknown, recorded: Promise<void>): Promise<BuildRecord> {
    await recorded.catch(() => undefined);
    // `done` never rejects: a store that does not answer now (S3 away, the Lease gone) must not make
    // the finished listeners' promise an unhandled rejection that ends the process.
    const previous = await this.deps.store.readBuild(project.name, version).catch((e: unknown) => void this.deps.logger.error('cannot read a build record', { project: project.name, version, error: errorMessage(e) }));
    // Handed over to the next leader: the record stays queued, for it to run.
    if (error instanceof HandedOver && previous) return previous;
    const record = notRunRecord(project, version, previous, error, new Date().toISOString());
    const cancelled = record.status === 'cancelled';
    await this.deps.store.writeBuild(record).catch((e: unknown) => this.deps.logger.error('cannot write a build record', { project: project.name, version, error: errorMessage(e) }));
    this.deps.logger.info(cancelled ? 'build cancelled' : 'build not run', { project: project.name, version, error: record.error });
    (this.deps.events ?? noEvents).emit({ event: cancelled ? 'build.cancelled' : 'build.failed', project: project.name, version, message: record.error ?? '' });
    return record;
  }
}

function withoutDone({ done: _done, ...build }: Entry): ActiveBuild {
  return build;
}
