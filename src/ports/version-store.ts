import type { Readable } from 'node:stream';
import type { BuildLimits } from '../domain/build-limits.js';
import type { BuiltVersion } from '../domain/plan.js';

export interface PublishedStats {
  files: number;
  bytes: number;
  /** Lines for the build log: what confinement dropped or replaced. */
  notes: string[];
}

/** Built versions: staged by a build, published whole, listed, archived, removed. */
export interface VersionStore {
  /** Where the store is, for messages and ids (a directory, or s3://bucket/prefix). */
  readonly root: string;
  listBuilt(project: string): Promise<BuiltVersion[]>;
  listProjects(): Promise<string[]>;
  /** A fresh local directory for a build's output; `publish` moves it into place whole. */
  createStaging(project: string, version: string): Promise<string>;
  /**
   * Confines the staging directory (regular files and directories only, within `limits` when
   * given: see adapters/fs/confine-output.ts), then publishes it; `notes` says what was dropped.
   */
  publish(project: string, version: string, stagingDir: string, limits?: BuildLimits): Promise<PublishedStats>;
  discardStaging(stagingDir: string): Promise<void>;
  /** Called after a version is published or removed, so caches of its files can be dropped. */
  onVersionChange(listener: (project: string, version: string) => void): void;
  remove(project: string, version: string): Promise<void>;
  /** The version's tar.gz archive as a stream, with its size when known ahead; undefined when there is none. */
  openArchive(project: string, version: string): Promise<{ stream: Readable; bytes?: number } | undefined>;
}
