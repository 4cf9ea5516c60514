import type { Readable } from 'node:stream';
import type { SiteOptions } from '../domain/desired-state.js';
import type { BuiltVersion } from '../domain/plan.js';
import type { BuildStatus, BuildTrigger, PublishedBuild } from '../domain/builds.js';

export type { BuildStatus } from '../domain/builds.js';

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
  /** The log lines that look like why a failed build failed (domain/build-failure-cause.ts). */
  cause?: string[];
  /** It failed because the build engine did not answer (not the build's fault): retried soon, not after the backoff. */
  unavailable?: boolean;
  /** How many builds of this version failed in a row. */
  attempts: number;
  /** buildSettingsKey() of the build, to tell a retry with new settings from a hot loop. */
  settings: string;
  files?: number;
  bytes?: number;
  /** While a forced rebuild of a built version runs or after it failed/was cancelled: the build still served. */
  published?: PublishedBuild;
}

export interface LivePointer {
  version: string;
  since: string;
  /** The project's domains and site options when it went live, so they keep working while its file is broken. */
  domains: string[];
  site?: SiteOptions;
  /**
   * Versions live before this one, newest first, with when each stopped: their fingerprinted files
   * keep answering for a while (SiteTable.recentlyLive). Persisted, so a restart keeps them.
   */
  previous?: { version: string; until: string }[];
}

export interface ServingSettings {
  previewDomain?: string;
}

/** Where built versions live, and which one of each project is served. */
export interface ArtifactStore {
  readonly root: string;
  listBuilt(project: string): Promise<BuiltVersion[]>;
  listProjects(): Promise<string[]>;
  /** Absolute directory of a version (complete once it exists). */
  versionDir(project: string, version: string): string;
  projectDir(project: string): string;
  /** Path of the precompressed variant of a content (by its sha256), made at publish time. */
  variantPath(hash: string, coding: 'br' | 'gzip'): string;
  /** A fresh directory to build into; `publish` moves it into place whole. */
  createStaging(project: string, version: string): Promise<string>;
  publish(project: string, version: string, stagingDir: string): Promise<{ files: number; bytes: number }>;
  discardStaging(stagingDir: string): Promise<void>;
  /** Called after a version is published or removed, so caches of its files can be dropped. */
  onVersionChange(listener: (project: string, version: string) => void): void;
  remove(project: string, version: string): Promise<void>;
  /** The version's tar.gz archive as a stream, with its size when known ahead; undefined when there is none. */
  openArchive(project: string, version: string): Promise<{ stream: Readable; bytes?: number } | undefined>;

  readLive(): Promise<Record<string, LivePointer>>;
  /** How every replica serves beyond the pointers: opus.yaml's preview domain, written by the replica that syncs. */
  readServing(): Promise<ServingSettings>;
  writeServing(settings: ServingSettings): Promise<void>;
  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void>;

  readBuild(project: string, version: string): Promise<BuildRecord | undefined>;
  writeBuild(record: BuildRecord): Promise<void>;
  listBuilds(): Promise<BuildRecord[]>;
  logPath(project: string, version: string): string;
}
