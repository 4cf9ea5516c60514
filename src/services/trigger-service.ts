// Builds asked for explicitly: by the API (`opus trigger`), by a webhook for `prebuild: true`
// projects, and again after a restart for every build the stopped server had queued or running.
import { closedRecord } from '../domain/build-record.js';
import { requestedVersionProblem, unfinishedRecords, type BuildTrigger, type BuildView } from '../domain/builds.js';
import type { ProjectSpec } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { isPreviewVersion } from '../domain/names.js';
import { resolveVersion } from '../domain/versions.js';
import type { ArtifactStore, BuildRecord } from '../ports/artifact-store.js';
import type { EventSink } from '../ports/event-sink.js';
import type { SourceRepos } from '../ports/git-sources.js';
import type { BuildScheduler } from './build-scheduler.js';
import type { Logger } from './logger.js';
import type { DesiredStateView } from './desired-state-view.js';

export type TriggerOutcome =
  | { kind: 'queued'; build: BuildView; message: string }
  | { kind: 'built'; build?: BuildView; message: string }
  | { kind: 'error'; status: 400 | 404 | 409 | 502 | 503; message: string };

export interface TriggerOptions {
  /** Rebuild even when the version is built already. */
  force?: boolean;
  trigger?: BuildTrigger;
}

export interface TriggerDeps {
  sync: DesiredStateView;
  sources: SourceRepos;
  store: ArtifactStore;
  scheduler: BuildScheduler;
  logger: Logger;
  /** build.succeeded for a build that was published but not yet recorded as such when the server stopped. */
  events?: EventSink;
}

export class TriggerService {
  constructor(private readonly deps: TriggerDeps) {}

  /** Queues a build of a tag (or `latest`) of a project in the desired state, deployed or not. */
  async trigger(name: string, requested: string, options: TriggerOptions = {}): Promise<TriggerOutcome> {
    const problem = requestedVersionProblem(requested);
    if (problem) return { kind: 'error', status: 400, message: problem };
    const found = this.project(name);
    if ('status' in found) return { kind: 'error', ...found };
    let tags: Map<string, string>;
    try {
      tags = await this.deps.sources.listTags(found.source);
    } catch (error) {
      return { kind: 'error', status: 502, message: errorMessage(error) };
    }
    const version = resolveVersion(requested, tags.keys());
    if (!version) return { kind: 'error', status: 400, message: `${found.source} has no semver tag yet, so "latest" names no version` };
    if (!tags.has(version)) {
      const recent = [...tags.keys()].slice(-5).join(', ');
      return { kind: 'error', status: 400, message: `${found.source} has no tag "${version}"${recent ? `; its tags include: ${recent}` : '; it has no tags yet'}` };
    }
    return this.schedule(found, version, { trigger: options.trigger ?? 'api', force: options.force === true });
  }

  /**
   * Builds pushed tags of a `prebuild: true` project that are not built or building yet. The tags
   * come from a verified webhook, so they are not looked up again: the clone of the build checks them.
   */
  async prebuild(project: ProjectSpec, pushed: string[]): Promise<string[]> {
    const queued: string[] = [];
    if (this.deps.sync.desiredState?.settingsBroken) return queued;
    for (const tag of new Set(pushed)) {
      const outcome = await this.schedule(project, tag, { trigger: 'webhook', force: false });
      if (outcome.kind === 'queued') queued.push(tag);
    }
    return queued;
  }

  /**
   * After a restart (and the first sync): every build left queued or running runs again, in the
   * order it was queued, if its project is still configured; otherwise its record says why not.
   */
  async resume(): Promise<string[]> {
    const { store, scheduler, sync, logger } = this.deps;
    const desired = sync.desiredState;
    // A broken opus.yaml changes nothing, so nothing is built under it: the next good sync resumes.
    if (!desired || desired.settingsBroken) return [];
    const resumed: string[] = [];
    for (const record of unfinishedRecords(await store.listBuilds())) {
      // Preview builds are resumed by the preview service, which knows the ref their commit is fetched by.
      if (scheduler.isActive(record.project, record.version) || isPreviewVersion(record.version)) continue;
      const spec = desired.projects.find((p) => p.name === record.project);
      if (!spec) {
        await this.close(record, 'cancelled', 'the server restarted and the project is no longer in the config repo');
      } else if (!record.force && (await this.isBuilt(record.project, record.version))) {
        await this.close(record, 'succeeded');
      } else {
        scheduler.schedule(spec, record.version, { trigger: record.trigger ?? 'restart', force: record.force === true });
        resumed.push(`${record.project}@${record.version}`);
      }
    }
    if (resumed.length > 0) logger.info('builds resumed after a restart', { builds: resumed });
    return resumed;
  }

  private async schedule(project: ProjectSpec, version: string, options: { trigger: BuildTrigger; force: boolean }): Promise<TriggerOutcome> {
    const { scheduler } = this.deps;
    const id = `${project.name}@${version}`;
    if (scheduler.isActive(project.name, version)) {
      return { kind: 'queued', build: (await scheduler.view(project.name, version)) as BuildView, message: `${id} is already queued or running` };
    }
    if (!options.force && (await this.isBuilt(project.name, version))) {
      const build = await scheduler.view(project.name, version);
      return { kind: 'built', ...(build ? { build } : {}), message: `${id} is built already; to build it again: opus trigger --force (API: "force": true)` };
    }
    scheduler.schedule(project, version, options);
    const build = (await scheduler.view(project.name, version)) as BuildView;
    const where = build.status === 'queued' ? ` (position ${build.position ?? '?'})` : '';
    return { kind: 'queued', build, message: `${options.force ? 'rebuild of ' : ''}${id} ${build.status}${where}` };
  }

  private project(name: string): ProjectSpec | { status: 404 | 409 | 503; message: string } {
    const desired = this.deps.sync.desiredState;
    if (!desired) return { status: 503, message: 'the server has not read the config repo yet: try again in a moment' };
    if (desired.settingsBroken) return { status: 409, message: 'opus.yaml is invalid, so nothing is built until it is fixed (opus validate)' };
    const spec = desired.projects.find((p) => p.name === name);
    if (spec) return spec;
    if (desired.brokenProjects.includes(name)) return { status: 409, message: `projects/${name}.yaml is invalid: fix it before building (opus validate)` };
    const known = desired.projects.map((p) => p.name);
    return { status: 404, message: `no project "${name}" in the config repo${known.length ? `; known projects: ${known.join(', ')}` : ''}` };
  }

  private async isBuilt(project: string, version: string): Promise<boolean> {
    return (await this.deps.store.listBuilt(project)).some((b) => b.version === version);
  }

  /** Closes a record left open, with the facts it holds (commit, files, bytes, duration: written before the publish). */
  private async close(record: BuildRecord, status: 'cancelled' | 'succeeded', error?: string): Promise<void> {
    await this.deps.store.writeBuild(closedRecord(record, status, new Date().toISOString(), error));
    if (status !== 'succeeded') return;
    this.deps.logger.info('build succeeded (published before the server stopped)', { project: record.project, version: record.version, commit: record.commit });
    this.deps.events?.emit({ event: 'build.succeeded', project: record.project, version: record.version, ...(record.durationMs !== undefined ? { durationMs: record.durationMs } : {}), ...(record.commit ? { commit: record.commit } : {}) });
  }
}
