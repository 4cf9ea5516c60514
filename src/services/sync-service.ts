// The sync loop: fetch the config repo → read desired state → plan (pure) → apply.
import { desiredStateOf, type DesiredState, type ProjectSpec } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { isRollback } from '../domain/live-pointers.js';
import { buildKey } from '../domain/names.js';
import { plan, type Action, type ActualState, type ResolvedVersions } from '../domain/plan.js';
import { isLatest, resolveVersion } from '../domain/versions.js';
import type { ArtifactStore, BuildRecord } from '../ports/artifact-store.js';
import { noEvents, type EventSink } from '../ports/event-sink.js';
import type { ConfigSource, SourceRepos } from '../ports/git-sources.js';
import type { BuildQueue } from './build-queue.js';
import type { BuildScheduler } from './build-scheduler.js';
import type { BuildService } from './build-service.js';
import type { Logger } from './logger.js';
import type { SiteTable } from './site-table.js';

export interface SyncDeps {
  config: ConfigSource;
  sources: SourceRepos;
  store: ArtifactStore;
  builds: BuildService;
  queue: BuildQueue;
  /** Records, queues and cancels builds: the one scheduler of the server, made by the composition root. */
  scheduler: BuildScheduler;
  sites: SiteTable;
  logger: Logger;
  events?: EventSink;
  now?: () => number;
  /** Told when each sync (fetch + reconcile) ends, with how long it took: for metrics. */
  onSynced?: (report: SyncReport, durationMs: number) => void;
}

export interface SyncReport {
  commit?: string;
  at: string;
  actions: string[];
  problems: DesiredState['problems'];
  waiting: Record<string, string>;
  error?: string;
}

export class SyncService {
  private desired: DesiredState | undefined;
  private commit: string | undefined;
  /** Subject of the config repo's HEAD commit: tells a rollback from a deploy. */
  private resolved: ResolvedVersions = {};
  private last: SyncReport | undefined;
  private running: Promise<SyncReport> | undefined;
  private followUp: Promise<SyncReport> | undefined;
  private reconciling: Promise<unknown> = Promise.resolve();
  /** Problems already announced, so an invalid config is reported once, not at every sync. */
  private announcedProblems = '';
  /** The sync failure last announced (sync.failed), until a sync succeeds. */
  private announcedFailure: string | undefined;

  constructor(private readonly deps: SyncDeps) {
    // Whatever asked for a build (a sync, the API, a webhook), its end may change what goes live.
    deps.scheduler.onFinished((record) => this.afterBuild(record));
  }

  get lastReport(): SyncReport | undefined {
    return this.last;
  }

  get desiredState(): DesiredState | undefined {
    return this.desired;
  }

  /** The version a project should serve, with `latest` resolved at the last sync. */
  desiredVersion(project: string): string | undefined {
    return this.resolved[project]?.version;
  }

  /** Coalesces: calls during a sync share one follow-up sync instead of piling up. */
  sync(): Promise<SyncReport> {
    if (this.running) {
      // One follow-up for all callers that came during this sync, not one each.
      this.followUp ??= this.running.then(() => {
        this.followUp = undefined;
        return this.sync();
      });
      return this.followUp;
    }
    const started = performance.now();
    this.running = this.fetchAndReconcile()
      .then((report) => {
        this.deps.onSynced?.(report, performance.now() - started);
        return report;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The build engine answers again: the desired versions whose build failed for want of it are built now, whatever their backoff. */
  async retryUnavailable(): Promise<string[]> {
    const retried: string[] = [];
    for (const project of this.desired?.settingsBroken ? [] : (this.desired?.projects ?? [])) {
      const version = this.desiredVersion(project.name);
      const record = version ? await this.deps.store.readBuild(project.name, version) : undefined;
      if (!version || record?.status !== 'failed' || !record.unavailable || this.deps.scheduler.isActive(project.name, version)) continue;
      this.deps.scheduler.schedule(project, version, { trigger: 'sync' });
      retried.push(buildKey(project.name, version));
    }
    return retried;
  }

  /** A project whose file is gone (not broken: gone) takes what its builds kept with it: its package cache. */
  private async forgetRemovedProjects(before: DesiredState | undefined, now: DesiredState): Promise<void> {
    if (!before || before.settingsBroken || now.settingsBroken) return;
    const still = new Set([...now.projects.map((p) => p.name), ...now.brokenProjects]);
    for (const { name } of before.projects) {
      if (still.has(name)) continue;
      await this.deps.builds.forgetProject(name).catch((error: unknown) => this.deps.logger.warn('cannot remove the build cache of a removed project', { project: name, error: errorMessage(error) }));
    }
  }

  private async fetchAndReconcile(): Promise<SyncReport> {
    const { logger } = this.deps;
    try {
      const snapshot = await this.deps.config.fetch();
      this.commit = snapshot.commit;
      const before = this.desired;
      this.desired = desiredStateOf(snapshot);
      if (!this.desired.settingsBroken) {
        // A broken opus.yaml changes nothing: not even the build concurrency falls back to its default.
        this.deps.queue.setLimit(this.desired.settings.concurrency);
        await this.deps.sites.setPreviewDomain(this.desired.settings.previewDomain);
      }
      for (const problem of this.desired.problems) logger.warn('config invalid', { ...problem, commit: snapshot.commit });
      const problems = JSON.stringify(this.desired.problems);
      if (problems !== this.announcedProblems && this.desired.problems.length > 0) {
        this.events.emit({ event: 'config.invalid', configCommit: snapshot.commit, problems: this.desired.problems, message: `${this.desired.problems.length} problem(s) in the config repo` });
      }
      this.announcedProblems = problems;
      await this.forgetRemovedProjects(before, this.desired);
      this.resolved = await this.resolveVersions(this.desired.projects);
      const report = await this.reconcile();
      this.announcedFailure = undefined;
      return report;
    } catch (error) {
      logger.error('sync failed', { error: errorMessage(error) });
      // Once per failure: a config repo that stays unreachable is not news at every interval.
      if (errorMessage(error) !== this.announcedFailure) this.events.emit({ event: 'sync.failed', message: errorMessage(error), ...(this.commit ? { configCommit: this.commit } : {}) });
      this.announcedFailure = errorMessage(error);
      this.last = { at: new Date().toISOString(), actions: [], problems: this.desired?.problems ?? [], waiting: {}, error: errorMessage(error), ...(this.commit ? { commit: this.commit } : {}) };
      return this.last;
    }
  }

  /** Plans against the last fetched desired state and applies; also runs after every build. */
  reconcile(): Promise<SyncReport> {
    const next = this.reconciling.then(() => this.reconcileNow());
    this.reconciling = next.catch(() => undefined);
    return next;
  }

  private async reconcileNow(): Promise<SyncReport> {
    const desired = this.desired;
    if (!desired) throw new Error('reconcile before the first sync');
    const now = this.deps.now?.() ?? Date.now();
    const result = plan(desired, await this.actualState(desired), this.resolved, now);
    for (const action of result.actions) await this.apply(action);
    this.last = {
      ...(this.commit ? { commit: this.commit } : {}),
      at: new Date(now).toISOString(),
      actions: result.actions.map(describe),
      problems: desired.problems,
      waiting: result.waiting,
    };
    return this.last;
  }

  private get events(): EventSink {
    return this.deps.events ?? noEvents;
  }

  /** Every switch of version is a deploy; one back to an earlier version is also a rollback (see isRollback). */
  private announceSwitch(project: string, version: string, from: string | undefined, earlier: string[]): void {
    const previous = from ? { previousVersion: from } : {};
    const configCommit = this.commit ? { configCommit: this.commit } : {};
    this.events.emit({ event: 'deploy.succeeded', project, version, ...previous, ...configCommit });
    if (isRollback(from, version, earlier)) this.events.emit({ event: 'rollback', project, version, ...previous, ...configCommit });
  }

  private async resolveVersions(projects: ProjectSpec[]): Promise<ResolvedVersions> {
    const resolved: ResolvedVersions = {};
    for (const project of projects) {
      if (!isLatest(project.deploy)) {
        resolved[project.name] = project.deploy === undefined ? {} : { version: project.deploy };
        continue;
      }
      try {
        const newest = resolveVersion(project.deploy, (await this.deps.sources.listTags(project.source)).keys());
        resolved[project.name] = newest ? { version: newest } : { error: `deploy: latest, but ${project.source} has no semver tag yet` };
      } catch (error) {
        resolved[project.name] = { error: errorMessage(error) };
      }
    }
    return resolved;
  }

  private async actualState(desired: DesiredState): Promise<ActualState> {
    const { store, queue, sites } = this.deps;
    const actual: ActualState = { built: {}, live: sites.snapshot(), failed: {}, inFlight: queue.keys() };
    // Projects on disk that the config repo no longer has: their versions are pruned (domain/plan.ts).
    for (const name of await store.listProjects()) actual.built[name] = await store.listBuilt(name);
    for (const project of desired.projects) {
      actual.built[project.name] = await store.listBuilt(project.name);
      const version = this.resolved[project.name]?.version;
      const record = version ? await store.readBuild(project.name, version) : undefined;
      if ((record?.status === 'failed' || record?.status === 'cancelled') && version) {
        const cancelled = record.status === 'cancelled' ? { cancelled: true } : {};
        const unavailable = record.unavailable ? { unavailable: true } : {};
        actual.failed[buildKey(project.name, version)] = { attempts: record.attempts, failedAt: Date.parse(record.finishedAt ?? record.startedAt), settings: record.settings, ...cancelled, ...unavailable };
      }
    }
    return actual;
  }

  private afterBuild(record: BuildRecord): void {
    const { project, version } = record;
    if (record.status === 'failed' && this.desiredVersion(project) === version) {
      const live = this.deps.sites.liveVersion(project);
      this.events.emit({ event: 'deploy.failed', project, version, message: record.error ?? 'the build failed', ...(live ? { previousVersion: live } : {}) });
    }
    if (!this.desired) return;
    this.reconcile().catch((error: unknown) => this.deps.logger.warn('reconcile after a build failed', { project, version, error: errorMessage(error) }));
  }

  private async apply(action: Action): Promise<void> {
    const { store, sites, logger } = this.deps;
    switch (action.kind) {
      case 'build':
        this.deps.scheduler.schedule(action.project, action.version, { trigger: 'sync' });
        return;
      case 'switch': {
        const before = sites.liveVersion(action.project);
        const earlier = sites.recentlyLive(action.project);
        await sites.set(action.project, { version: action.version, domains: action.domains, site: action.site });
        if (before === action.version) return;
        logger.info('deploy succeeded', { project: action.project, version: action.version, from: action.from });
        this.announceSwitch(action.project, action.version, action.from, earlier);
        return;
      }
      case 'unpublish':
        await sites.set(action.project, undefined);
        logger.info('project unpublished', { project: action.project, version: action.version });
        return;
      case 'prune':
        await store.remove(action.project, action.version);
        logger.info('version pruned', { project: action.project, version: action.version });
    }
  }
}

function describe(action: Action): string {
  const project = typeof action.project === 'string' ? action.project : action.project.name;
  return `${action.kind} ${project}@${action.version}`;
}
