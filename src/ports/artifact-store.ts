import type { SiteOptions } from '../domain/desired-state.js';
import type { BuiltVersion } from '../domain/plan.js';

export type BuildStatus = 'running' | 'succeeded' | 'failed';

export interface BuildRecord {
  project: string;
  version: string;
  status: BuildStatus;
  commit?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  /** How many builds of this version failed in a row. */
  attempts: number;
  /** buildSettingsKey() of the build, to tell a retry with new settings from a hot loop. */
  settings: string;
  files?: number;
  bytes?: number;
}

export interface LivePointer {
  version: string;
  since: string;
  /** The project's domains and site options when it went live, so they keep working while its file is broken. */
  domains: string[];
  site?: SiteOptions;
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

  readLive(): Promise<Record<string, LivePointer>>;
  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void>;

  readBuild(project: string, version: string): Promise<BuildRecord | undefined>;
  writeBuild(record: BuildRecord): Promise<void>;
  listBuilds(): Promise<BuildRecord[]>;
  logPath(project: string, version: string): string;
}
