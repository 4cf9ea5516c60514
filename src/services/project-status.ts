// What the API and CLI say about each project: desired vs live, and why they differ.
import { buildKey } from '../domain/names.js';
import type { ArtifactStore, BuildRecord } from '../ports/artifact-store.js';
import type { BuildQueue } from './build-queue.js';
import type { SiteTable } from './site-table.js';
import type { SyncService } from './sync-service.js';

export type SyncStatus = 'synced' | 'building' | 'failed' | 'config error' | 'out of sync' | 'not deployed';

export interface ProjectStatus {
  name: string;
  desired?: string;
  live?: string;
  status: SyncStatus;
  reason?: string;
  domains: string[];
  lastBuild?: BuildRecord;
}

export async function projectStatuses(sync: SyncService, sites: SiteTable, queue: BuildQueue, store: ArtifactStore): Promise<ProjectStatus[]> {
  const desired = sync.desiredState;
  const report = sync.lastReport;
  const live = sites.snapshot();
  const builds = await store.listBuilds();
  const inFlight = queue.keys();
  const names = new Set([...(desired?.projects.map((p) => p.name) ?? []), ...(desired?.brokenProjects ?? []), ...Object.keys(live)]);
  return [...names].sort().map((name) => {
    const spec = desired?.projects.find((p) => p.name === name);
    const target = sync.desiredVersion(name);
    const lastBuild = builds.filter((b) => b.project === name).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    const base = { name, ...(target ? { desired: target } : {}), ...(live[name] ? { live: live[name].version } : {}), domains: spec?.domains ?? live[name]?.domains ?? [], ...(lastBuild ? { lastBuild } : {}) };
    if (desired?.brokenProjects.includes(name)) {
      const reason = desired.problems.filter((p) => p.file.endsWith(`/${name}.yaml`)).map((p) => `${p.path || p.file}: ${p.message}`).join('; ');
      return { ...base, status: 'config error', reason };
    }
    if (!spec) return { ...base, status: 'out of sync', reason: 'removed from the config repo' };
    if (spec.deploy === undefined) return { ...base, status: 'not deployed' };
    if (report?.waiting[name]) return { ...base, status: 'out of sync', reason: report.waiting[name] };
    if (target && inFlight.has(buildKey(name, target))) return { ...base, status: 'building' };
    if (target && live[name]?.version === target) return { ...base, status: 'synced' };
    const record = builds.find((b) => b.project === name && b.version === target);
    if (record?.status === 'failed') return { ...base, status: 'failed', reason: record.error ?? 'build failed' };
    return { ...base, status: 'out of sync', reason: 'waiting for the next sync' };
  });
}
