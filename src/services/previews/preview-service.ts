// Previews of pull requests and branches: a verified webhook asks; the plan (domain/previews)
// decides what to build and what goes; builds go through the one BuildScheduler, keyed by commit
// (sha-<12 hex>), with the preview's env and secrets only; the alias follows the newest head that
// built; the forge hears of every step. One change at a time, kept in the ledger.
import type { ProjectSpec } from '../../domain/desired-state.js';
import { errorMessage } from '../../domain/errors.js';
import { isPreviewVersion, previewVersion } from '../../domain/names.js';
import { branchLabel } from '../../domain/previews/branch-label.js';
import { branchMatches } from '../../domain/previews/preview-config.js';
import { planPreview, previewBuildSpec, previewBuilt, pullRequestAlias, pullRequestGate, type PreviewRequest } from '../../domain/previews/preview-plan.js';
import { resolvePreviewLabel, type Preview } from '../../domain/previews/preview-state.js';
import type { PullRequestEvent } from '../../domain/previews/pull-request-event.js';
import { normalizeRepoUrl } from '../../domain/repo-url.js';
import type { PushEvent, WebhookProvider } from '../../domain/webhook-payload.js';
import type { ArtifactStore, BuildRecord } from '../../ports/artifact-store.js';
import { noEvents, type EventSink } from '../../ports/event-sink.js';
import type { PreviewLedger } from '../../ports/previews.js';
import type { BuildScheduler } from '../build-scheduler.js';
import type { DesiredStateView } from '../desired-state-view.js';
import type { Logger } from '../logger.js';
import type { ConfigPullRequests } from './config-pull-requests.js';
import type { PreviewReporting } from './preview-reporting.js';

export interface PreviewDeps {
  sync: Pick<DesiredStateView, 'desiredState'>;
  /** The versions production serves and wants, never removed by a preview. */
  production: (project: string) => string[];
  scheduler: BuildScheduler;
  store: Pick<ArtifactStore, 'listBuilt' | 'remove'>;
  ledger: PreviewLedger;
  reporting: PreviewReporting;
  logger: Logger;
  events?: EventSink;
  now?: () => number;
  /** Pull requests on the config repo itself. */
  configPulls?: ConfigPullRequests;
}

/** What a webhook matched, answered at once (the work happens in the background). */
export interface PreviewRoute {
  projects: string[];
  /** Projects that do not build it, and why. */
  refused: Record<string, string>;
}

export class PreviewService {
  private previews: Preview[] = [];
  /** Built preview versions by project: what a <sha7> host may name. */
  private readonly built = new Map<string, Set<string>>();
  private changeCount = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private followTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: PreviewDeps) {}

  /** Loads the ledger, follows preview builds, and builds again the heads a stopped server left unbuilt. */
  async start(): Promise<void> {
    this.previews = await this.deps.ledger.read();
    for (const project of new Set(this.previews.map((p) => p.project))) await this.refreshBuilt(project);
    this.deps.scheduler.onFinished((record) => {
      if (isPreviewVersion(record.version)) this.enqueue(() => this.afterBuild(record));
    });
    this.changeCount += 1;
  }

  /**
   * With a shared ledger: while this replica does not lead (`when`), reads it again every `ms`, so
   * its aliases are the ones the leader wrote (the leader's own changes are made in memory first).
   */
  follow(when: () => boolean, ms = 1_000): void {
    const tick = async () => {
      if (when()) await this.reload().catch((error: unknown) => this.deps.logger.warn('cannot read the shared previews', { error: errorMessage(error) }));
      if (!this.stopped) this.followTimer = setTimeout(() => void tick(), ms);
    };
    this.followTimer = setTimeout(() => void tick(), ms);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.followTimer);
  }

  /** Takes up the ledger as stored (and the preview versions built) when it changed. */
  async reload(): Promise<void> {
    const previews = await this.deps.ledger.read();
    if (JSON.stringify(previews) === JSON.stringify(this.previews)) return;
    for (const project of new Set(previews.map((p) => p.project))) await this.refreshBuilt(project);
    this.previews = previews;
    this.changeCount += 1;
  }

  /** Goes up whenever an alias may point elsewhere: routes worked out before may be stale. */
  get changes(): number {
    return this.changeCount;
  }

  /** The version a preview host label (pr-3, a branch label, a commit prefix) of a project names now. */
  resolve(project: string, label: string): string | undefined {
    return resolvePreviewLabel(label, this.list(project), [...(this.built.get(project) ?? [])]);
  }

  list(project?: string): Preview[] {
    return this.previews.filter((p) => project === undefined || p.project === project);
  }

  /** Resumes builds of pending heads (after a restart or a takeover, once the desired state is read). */
  resume(): void {
    this.enqueue(async () => {
      // A replica that just took the Lease starts from what its predecessor last wrote.
      await this.reload();
      for (const preview of this.previews.filter((p) => p.status === 'pending')) {
        const spec = this.spec(preview.project);
        if (spec && !this.built.get(spec.name)?.has(previewVersion(preview.commit))) this.schedule(spec, preview);
      }
    });
  }

  acceptPullRequest(event: PullRequestEvent): PreviewRoute {
    const config = this.deps.configPulls?.accept(event);
    if (config) return config;
    const route: PreviewRoute = { projects: [], refused: {} };
    if (event.intent === 'ignore') return route;
    for (const project of this.projectsOf(event.repoUrls)) {
      const spec = project.previews;
      if (!spec) continue;
      const gate = pullRequestGate(spec, event);
      const alias = pullRequestAlias(event.number);
      if (event.intent === 'build' && !gate.allowed) {
        route.refused[project.name] = gate.reason;
        this.deps.logger.info('pull request not built', { project: project.name, number: event.number, reason: gate.reason });
        continue;
      }
      route.projects.push(project.name);
      const request: PreviewRequest = event.intent === 'close'
        ? { kind: 'close', alias }
        : { kind: 'open', alias, type: 'pr', number: event.number, commit: event.headSha, fetchRef: event.fetchRef, provider: event.provider, ...(event.author ? { author: event.author } : {}), ...(event.url ? { url: event.url } : {}) };
      this.enqueue(() => this.apply(project.name, request));
    }
    return route;
  }

  /** A push to a branch a project previews builds its head; a deleted branch loses its preview. */
  acceptPush(provider: WebhookProvider, push: PushEvent): PreviewRoute {
    const route: PreviewRoute = { projects: [], refused: {} };
    const branch = push.branch;
    if (!branch || (!push.deleted && !push.commit)) return route;
    for (const project of this.projectsOf(push.repoUrls)) {
      if (!project.previews || !branchMatches(project.previews.branches, branch)) continue;
      route.projects.push(project.name);
      const alias = branchLabel(branch);
      const request: PreviewRequest = push.deleted || !push.commit
        ? { kind: 'close', alias }
        : { kind: 'open', alias, type: 'branch', branch, commit: push.commit, fetchRef: `refs/heads/${branch}`, provider };
      this.enqueue(() => this.apply(project.name, request));
    }
    return route;
  }

  /** Resolves when every change asked for so far is applied (builds may still run). */
  async idle(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
    await this.deps.configPulls?.idle();
    await this.deps.reporting.idle();
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((error: unknown) => this.deps.logger.warn('preview change failed', { error: errorMessage(error) }));
  }

  private async apply(name: string, request: PreviewRequest): Promise<void> {
    const spec = this.spec(name);
    if (!spec?.previews) return;
    const built = await this.refreshBuilt(name);
    const decision = planPreview(this.list(name), request, spec.previews, {
      project: name,
      built,
      production: new Set(this.deps.production(name)),
      now: this.now(),
    });
    await this.save(name, decision.previews);
    for (const version of decision.removeVersions) {
      await this.deps.store.remove(name, version);
      built.delete(version);
      this.deps.logger.info('preview version removed', { project: name, version });
    }
    for (const gone of decision.removed) {
      this.deps.reporting.closed(spec, gone);
      this.emit('preview.removed', spec, gone);
    }
    const touched = decision.touched;
    if (!touched) return;
    if (decision.build) this.schedule(spec, touched);
    this.deps.reporting.report(spec, touched);
    if (touched.status === 'ready') this.emit('preview.ready', spec, touched);
  }

  private async afterBuild(record: BuildRecord): Promise<void> {
    const spec = this.spec(record.project);
    const succeeded = record.status === 'succeeded';
    if (succeeded) (await this.refreshBuilt(record.project)).add(record.version);
    const { previews, changed } = previewBuilt(this.list(record.project), record.version, succeeded, record.error, this.now());
    if (changed.length === 0) return;
    await this.save(record.project, previews);
    if (!spec) return;
    for (const preview of changed) {
      this.deps.reporting.report(spec, preview);
      this.emit(succeeded ? 'preview.ready' : 'preview.failed', spec, preview);
    }
  }

  private schedule(spec: ProjectSpec, preview: Preview): void {
    if (!spec.previews) return;
    const buildSpec = previewBuildSpec(spec, spec.previews, { ref: preview.fetchRef, commit: preview.commit });
    this.deps.scheduler.schedule(buildSpec, previewVersion(preview.commit), { trigger: 'webhook' });
  }

  private emit(event: 'preview.ready' | 'preview.failed' | 'preview.removed', spec: ProjectSpec, preview: Preview): void {
    const links = this.deps.reporting.links(spec.name, preview);
    const url = event === 'preview.removed' ? undefined : (links.alias ?? links.commit);
    (this.deps.events ?? noEvents).emit({
      event,
      project: spec.name,
      version: previewVersion(preview.commit),
      commit: preview.commit,
      ...(preview.error && event === 'preview.failed' ? { message: preview.error } : {}),
      preview: { alias: preview.alias, kind: preview.kind, ...(preview.number === undefined ? {} : { number: preview.number }), ...(preview.branch ? { branch: preview.branch } : {}), ...(url ? { url } : {}) },
    });
  }

  private async save(project: string, previews: Preview[]): Promise<void> {
    this.previews = [...this.previews.filter((p) => p.project !== project), ...previews];
    this.changeCount += 1;
    await this.deps.ledger.write(this.previews);
  }

  private async refreshBuilt(project: string): Promise<Set<string>> {
    const versions = (await this.deps.store.listBuilt(project)).map((b) => b.version).filter(isPreviewVersion);
    const set = new Set(versions);
    this.built.set(project, set);
    return set;
  }

  private spec(name: string): ProjectSpec | undefined {
    return this.deps.sync.desiredState?.projects.find((p) => p.name === name);
  }

  private projectsOf(urls: string[]): ProjectSpec[] {
    const wanted = new Set(urls.map(normalizeRepoUrl));
    return (this.deps.sync.desiredState?.projects ?? []).filter((p) => wanted.has(normalizeRepoUrl(p.source)));
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
