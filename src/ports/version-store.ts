import type { Readable } from 'node:stream';
import type { BuildLimits } from '../domain/build-limits.js';
import type { BuiltVersion } from '../domain/plan.js';

export interface PublishedStats {
  files: number;
  bytes: number;
  /** Lines for the build log: what confinement dropped or replaced. */
  notes: string[];
}

/** A build's output on its way into the store: the runner writes into `dir`, then publish or discard ends it. */
export interface Staging {
  /** A fresh local directory for the output. */
  readonly dir: string;
  /**
   * Confines the directory (regular files and directories only, within `limits` when given: see
   * adapters/fs/confine-output.ts), then publishes it whole as the version; `notes` says what was dropped.
   */
  publish(limits?: BuildLimits): Promise<PublishedStats>;
  discard(): Promise<void>;
}

/** Built versions: staged by a build, published whole, listed, archived, removed. */
export interface VersionStore {
  /** Where the store is, for messages and ids (a directory, or s3://bucket/prefix). */
  readonly root: string;
  listBuilt(project: string): Promise<BuiltVersion[]>;
  listProjects(): Promise<string[]>;
  /** Where a build of the version puts its output, and how that becomes the version. */
  createStaging(project: string, version: string): Promise<Staging>;
  /** Called after a version is published or removed, so caches of its files can be dropped. */
  onVersionChange(listener: (project: string, version: string) => void): void;
  remove(project: string, version: string): Promise<void>;
  /** The version's tar.gz archive as a stream, with its size when known ahead; undefined when there is none. */
  openArchive(project: string, version: string): Promise<{ stream: Readable; bytes?: number } | undefined>;
}
