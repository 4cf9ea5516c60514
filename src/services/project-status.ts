// What the API and CLI say about each project: desired vs live, and why they differ.
import { formatProblem } from '../domain/desired-state.js';
import { buildKey } from '../domain/names.js';
import type { SyncStatus } from '../domain/project-filter.js';
import { projectUrls, type ProjectUrls } from '../domain/urls.js';
import type { ArtifactStore, BuildRecord } from '../ports/artifact-store.js';
import type { BuildQueue } from './build-queue.js';
import type { SiteTable } from './site-table.js';
import type { DesiredStateView } from './desired-state-view.js';

export type { SyncStatus };

export interface ProjectStatus {
  name: string;
  desired?: string;
  live?: string;
  status: SyncStatus;
  reason?: string;
  domains: string[];
  /** The record without its internal settings key (what tells a retry with new settings from a hot loop). */
  lastBuild?: Omit<BuildRecord, 'settings'>;
  /** Built versions, newest build first. */
  versions: string[];
  urls: ProjectUrls;
}

/** `origin`: the server's address as the client reached it, for absolute URLs. */
export async function projectStatuses(sync: DesiredStateView, sites: SiteTable, queue: BuildQueue, store: ArtifactStore, origin = ''): Promise<ProjectStatus[]> {
  const desired = sync.desiredState;
  const report = sync.lastReport;
  const live = sites.snapshot();
  const builds = await store.listBuilds();
  const inFlight = queue.keys();
  const names = new Set([...(desired?.projects.map((p) => p.name) ?? []), ...(desired?.brokenProjects ?? []), ...Object.keys(live)]);
  const built = new Map(await Promise.all([...names].map(async (name) => [name, (await store.listBuilt(name)).sort((a, b) => b.builtAt - a.builtAt).map((b) => b.version)] as const)));
  return [...names].sort().map((name): ProjectStatus => {
    const spec = desired?.projects.find((p) => p.name === name);
    const target = sync.desiredVersion(name);
    const newest = builds.filter((b) => b.project === name).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    const lastBuild = newest && withoutSettings(newest);
    const domains = spec?.domains ?? live[name]?.domains ?? [];
    const versions = built.get(name) ?? [];
    const urls = projectUrls(origin, name, domains, versions, sites.previewDomain);
    const base = { name, ...(target ? { desired: target } : {}), ...(live[name] ? { live: live[name].version } : {}), domains, ...(lastBuild ? { lastBuild } : {}), versions, urls };
    if (desired?.brokenProjects.includes(name)) {
      // With the file as well as the path (as `opus validate` says it); a misnamed site.yml is this project's too.
      const reason = desired.problems.filter((p) => p.file.replace(/^.*\//, '').replace(/\.[^.]*$/, '') === name).map(formatProblem).join('; ');
      return { ...base, status: 'config error', reason };
    }
    if (!spec) return { ...base, status: 'out of sync', reason: 'removed from the config repo' };
    if (spec.deploy === undefined) return { ...base, status: 'not deployed' };
    if (target && inFlight.has(buildKey(name, target))) return { ...base, status: 'building' };
    if (target && live[name]?.version === target) return { ...base, status: 'synced' };
    // A failed build waiting for its retry is still a failure: say so, and when the next try is.
    const record = builds.find((b) => b.project === name && b.version === target);
    const waiting = report?.waiting[name];
    if (record?.status === 'failed') return { ...base, status: 'failed', reason: [record.error ?? 'build failed', waiting].filter(Boolean).join('; ') };
    if (waiting) return { ...base, status: 'out of sync', reason: waiting };
    return { ...base, status: 'out of sync', reason: 'waiting for the next sync' };
  });
}

function withoutSettings({ settings: _settings, ...record }: BuildRecord): Omit<BuildRecord, 'settings'> {
  return record;
}
