// Builds as the API and CLI show them: ids, what may be triggered, and the list of queued,
// running and recent builds. Pure.
import { BUILD_STATUSES, type BuildRecord, type BuildTrigger } from './build-record.js';
import { buildKey, isProjectName, tagVersionProblem, versionProblem } from './names.js';

export type { BuildStatus, BuildTrigger } from './build-record.js';

/** A build as listed: a record left queued or running by a stopped server is `interrupted`. */
export const BUILD_VIEW_STATUSES = [...BUILD_STATUSES, 'interrupted'] as const;

/** What these functions read of a stored build record (domain/build-record.ts). */
export type BuildRecordFields = Pick<BuildRecord, 'project' | 'version' | 'status' | 'startedAt' | 'queuedAt' | 'finishedAt' | 'durationMs' | 'commit' | 'error' | 'cause' | 'trigger' | 'force'>;

export interface BuildView {
  /** `<project>@<version>`, URL-encoded in paths. */
  id: string;
  project: string;
  version: string;
  status: (typeof BUILD_VIEW_STATUSES)[number];
  /** 1 for the next build to start; only while queued. */
  position?: number;
  trigger?: BuildTrigger;
  force?: boolean;
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  commit?: string;
  error?: string;
  cause?: string[];
}

export interface ActiveBuild {
  project: string;
  version: string;
  status: 'queued' | 'running';
  position?: number;
  trigger: BuildTrigger;
  force: boolean;
  queuedAt: string;
}

export function buildId(project: string, version: string): string {
  return buildKey(project, version);
}

/** `site@1.2.0` (already URL-decoded) → its parts; undefined when it cannot be a build id. */
export function parseBuildId(id: string): { project: string; version: string } | undefined {
  const at = id.indexOf('@');
  if (at <= 0) return undefined;
  const project = id.slice(0, at);
  const version = id.slice(at + 1);
  return isProjectName(project) && versionProblem(version) === undefined ? { project, version } : undefined;
}

/** A version that may be asked for: a tag that can be a version, or `latest`. */
export function requestedVersionProblem(version: unknown): string | undefined {
  if (typeof version !== 'string' || version === '') return 'send { "version": "<tag>" } or { "version": "latest" }';
  if (version === 'latest') return undefined;
  return tagVersionProblem(version);
}

const FINISHED = new Set<string>(['succeeded', 'failed', 'cancelled']);

/**
 * Active builds first (running, then queued by position), then the most recent finished ones.
 * A record left queued or running that is not active belongs to no live build: it was interrupted.
 */
export function buildViews(active: ActiveBuild[], records: BuildRecordFields[], recent = 50): BuildView[] {
  const activeIds = new Set(active.map((a) => buildId(a.project, a.version)));
  const recordOf = new Map(records.map((r) => [buildId(r.project, r.version), r]));
  const live = [...active]
    .sort((a, b) => (a.status === b.status ? (a.position ?? 0) - (b.position ?? 0) : a.status === 'running' ? -1 : 1))
    .map((a) => activeView(a, recordOf.get(buildId(a.project, a.version))));
  const finished = records
    .filter((r) => !activeIds.has(buildId(r.project, r.version)))
    .sort((a, b) => (b.finishedAt ?? b.startedAt).localeCompare(a.finishedAt ?? a.startedAt))
    .slice(0, recent)
    .map(recordView);
  return [...live, ...finished];
}

export function activeView(build: ActiveBuild, record: BuildRecordFields | undefined): BuildView {
  const started = build.status === 'running' && record?.status === 'running' ? { startedAt: record.startedAt } : {};
  return {
    id: buildId(build.project, build.version),
    project: build.project,
    version: build.version,
    status: build.status,
    ...(build.position === undefined ? {} : { position: build.position }),
    trigger: build.trigger,
    force: build.force,
    queuedAt: build.queuedAt,
    ...started,
  };
}

export function recordView(record: BuildRecordFields): BuildView {
  const { project, version } = record;
  return {
    id: buildId(project, version),
    project,
    version,
    status: FINISHED.has(record.status) ? record.status : 'interrupted',
    ...(record.trigger ? { trigger: record.trigger } : {}),
    ...(record.force ? { force: true } : {}),
    ...(record.queuedAt ? { queuedAt: record.queuedAt } : {}),
    startedAt: record.startedAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
    ...(record.commit ? { commit: record.commit } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.cause?.length ? { cause: record.cause } : {}),
  };
}

/** Records a restarted server must run again: left queued or running by the server that stopped. */
export function unfinishedRecords<R extends BuildRecordFields>(records: R[]): R[] {
  return records.filter((r) => r.status === 'queued' || r.status === 'running').sort((a, b) => (a.queuedAt ?? a.startedAt).localeCompare(b.queuedAt ?? b.startedAt));
}

