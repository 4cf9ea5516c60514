// Builds as the API and CLI show them: ids, what may be triggered, and the list of queued,
// running and recent builds. Pure.
import { buildKey, isProjectName, versionProblem } from './names.js';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type BuildTrigger = 'sync' | 'api' | 'cli' | 'webhook' | 'restart';

/** What these functions read of a stored build record (ports/artifact-store.ts BuildRecord). */
export interface BuildRecordFields {
  project: string;
  version: string;
  status: BuildStatus;
  startedAt: string;
  queuedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  commit?: string;
  error?: string;
  cause?: string[];
  trigger?: BuildTrigger;
  force?: boolean;
}

export interface BuildView {
  /** `<project>@<version>`, URL-encoded in paths. */
  id: string;
  project: string;
  version: string;
  status: BuildStatus | 'interrupted';
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
  return versionProblem(version);
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

/** The facts of the build a version is served from: kept while a rebuild of it runs, fails or is cancelled. */
export interface PublishedBuild {
  commit?: string;
  files?: number;
  bytes?: number;
  durationMs?: number;
  finishedAt?: string;
}

/** What a new record of a version carries over from the one before: the published build's facts, if there is one. */
export function publishedOf(previous: (PublishedBuild & { status: string; published?: PublishedBuild }) | undefined): { published?: PublishedBuild } {
  if (!previous) return {};
  if (previous.status !== 'succeeded') return previous.published ? { published: previous.published } : {};
  const { commit, files, bytes, durationMs, finishedAt } = previous;
  const facts = { ...(commit ? { commit } : {}), ...(files === undefined ? {} : { files }), ...(bytes === undefined ? {} : { bytes }), ...(durationMs === undefined ? {} : { durationMs }), ...(finishedAt ? { finishedAt } : {}) };
  return { published: facts };
}
