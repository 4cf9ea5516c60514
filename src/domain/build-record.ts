// The stored record of one build of project@version, and every change of its state. Pure: the
// scheduler, the build service and the trigger service say what happened, these say what the
// record becomes; the store keeps it.
import type { BuildSpec } from './desired-state.js';
import { errorMessage } from './errors.js';
import { buildSettingsKey } from './plan.js';

export const BUILD_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export const BUILD_TRIGGERS = ['sync', 'api', 'cli', 'webhook', 'restart'] as const;
export type BuildTrigger = (typeof BUILD_TRIGGERS)[number];

export interface BuildRecord {
  project: string;
  version: string;
  status: BuildStatus;
  commit?: string;
  /** When the build was queued; a queued record's startedAt is its queue time too. */
  queuedAt?: string;
  startedAt: string;
  /** What asked for the build, and whether it rebuilds a version that was built already. */
  trigger?: BuildTrigger;
  force?: boolean;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  /** How many builds of this version failed in a row. */
  attempts: number;
  /** buildSettingsKey() of the build, to tell a retry with new settings from a hot loop. */
  settings: string;
  files?: number;
  bytes?: number;
  /** The log lines that look like why a failed build failed (domain/build-failure-cause.ts). */
  cause?: string[];
  /** It failed because the build engine did not answer (not the build's fault): retried soon, not after the backoff. */
  unavailable?: boolean;
  /** While a forced rebuild of a built version runs, or after it failed or was cancelled: the build still served. */
  published?: PublishedBuild;
}

/** The facts of the build a version is served from: kept while a rebuild of it runs, fails or is cancelled. */
export type PublishedBuild = Pick<BuildRecord, 'commit' | 'files' | 'bytes' | 'durationMs' | 'finishedAt'>;

/** What a new record of a version carries over from the one before: the published build's facts, if there is one. */
export function publishedOf(previous: BuildRecord | undefined): { published?: PublishedBuild } {
  if (!previous) return {};
  if (previous.status !== 'succeeded') return previous.published ? { published: previous.published } : {};
  const { commit, files, bytes, durationMs, finishedAt } = previous;
  return { published: { ...(commit ? { commit } : {}), ...(files === undefined ? {} : { files }), ...(bytes === undefined ? {} : { bytes }), ...(durationMs === undefined ? {} : { durationMs }), ...(finishedAt ? { finishedAt } : {}) } };
}

/** A build that was stopped on purpose (a user's cancel), not one that failed: no retry backoff. */
export class BuildCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'BuildCancelled';
  }
}

/**
 * Why a build stopped when its replica lost the sync Lease: not a cancel. Its record goes back to
 * `queued`, so the replica that leads now runs it (TriggerService.resume) instead of waiting for a
 * user to trigger a "cancelled" build again.
 */
export class HandedOver extends Error {
  constructor() {
    super('this replica lost the sync Lease: the build is left to the one that leads now');
    this.name = 'HandedOver';
  }
}

/** The record of a build stopped by HandedOver: queued again, for the next leader. */
export function handedOver(record: BuildRecord): BuildRecord {
  const { error: _error, finishedAt: _finished, durationMs: _duration, ...rest } = record;
  return { ...rest, status: 'queued' };
}

/** What a record needs to know of the project it builds. */
export interface BuildSubject {
  name: string;
  source: string;
  build: BuildSpec;
}

/** Failures in a row so far: a success starts the count again. */
function attemptsSoFar(previous: BuildRecord | undefined): number {
  return previous && previous.status !== 'succeeded' ? previous.attempts : 0;
}

/** Recorded before the build can start, so a restart finds it; the failures in a row are kept for the backoff. */
export function queuedRecord(project: BuildSubject, version: string, ask: { trigger: BuildTrigger; force?: boolean }, queuedAt: string, previous: BuildRecord | undefined): BuildRecord {
  return {
    project: project.name,
    version,
    status: 'queued',
    queuedAt,
    startedAt: queuedAt,
    trigger: ask.trigger,
    ...(ask.force ? { force: true } : {}),
    attempts: attemptsSoFar(previous),
    settings: buildSettingsKey(project.source, project.build),
    ...publishedOf(previous),
  };
}

/** The build starts: it keeps when and why it was queued. */
export function runningRecord(project: BuildSubject, version: string, startedAt: string, previous: BuildRecord | undefined): BuildRecord {
  return {
    project: project.name,
    version,
    status: 'running',
    ...queuedFields(previous),
    startedAt,
    attempts: attemptsSoFar(previous),
    settings: buildSettingsKey(project.source, project.build),
    ...publishedOf(previous),
  };
}

function queuedFields(previous: BuildRecord | undefined): Pick<BuildRecord, 'queuedAt' | 'trigger' | 'force'> {
  if (previous?.status !== 'queued') return {};
  return { ...(previous.queuedAt ? { queuedAt: previous.queuedAt } : {}), ...(previous.trigger ? { trigger: previous.trigger } : {}), ...(previous.force ? { force: true } : {}) };
}

export function succeeded(record: BuildRecord, stats: { files: number; bytes: number }): BuildRecord {
  const { published: _replaced, ...rest } = record;
  return { ...rest, status: 'succeeded', attempts: 0, ...stats };
}

/** A failure counts towards the retry backoff; a cancel does not. */
export function failedOrCancelled(record: BuildRecord, cancelled: boolean, error: string): BuildRecord {
  return cancelled ? { ...record, status: 'cancelled', error: 'cancelled while running' } : { ...record, status: 'failed', attempts: record.attempts + 1, error };
}

export function finished(record: BuildRecord, finishedAt: string, durationMs: number): BuildRecord {
  return { ...record, finishedAt, durationMs };
}

/** A build that never ran: cancelled while queued, or its queued record could not be written. */
export function notRunRecord(project: BuildSubject, version: string, previous: BuildRecord | undefined, error: unknown, now: string): BuildRecord {
  const cancelled = error instanceof BuildCancelled;
  return {
    ...(previous ?? { project: project.name, version, startedAt: now, attempts: 0, settings: buildSettingsKey(project.source, project.build) }),
    status: cancelled ? 'cancelled' : 'failed',
    finishedAt: now,
    error: cancelled ? 'cancelled while queued' : errorMessage(error),
  };
}

/** A record a restarted server closes without building: its project is gone, or the version was published before the crash. */
export function closedRecord(record: BuildRecord, status: 'cancelled' | 'succeeded', finishedAt: string, error?: string): BuildRecord {
  const { error: _old, ...rest } = record;
  return { ...rest, status, finishedAt, ...(status === 'succeeded' ? { attempts: 0 } : {}), ...(error ? { error } : {}) };
}
