import type { Readable } from 'node:stream';
import type { BuiltVersion } from '../domain/plan.js';

/** Built versions: staged by a build, published whole, listed, archived, removed. */
export interface VersionStore {
  /** Where the store is, for messages and ids (a directory, or s3://bucket/prefix). */
  readonly root: string;
  listBuilt(project: string): Promise<BuiltVersion[]>;
  listProjects(): Promise<string[]>;
  /** A fresh local directory for a build's output; `publish` moves it into place whole. */
  createStaging(project: string, version: string): Promise<string>;
  publish(project: string, version: string, stagingDir: string): Promise<{ files: number; bytes: number }>;
  discardStaging(stagingDir: string): Promise<void>;
  /** Called after a version is published or removed, so caches of its files can be dropped. */
  onVersionChange(listener: (project: string, version: string) => void): void;
  remove(project: string, version: string): Promise<void>;
  /** The version's tar.gz archive as a stream, with its size when known ahead; undefined when there is none. */
  openArchive(project: string, version: string): Promise<{ stream: Readable; bytes?: number } | undefined>;
}
