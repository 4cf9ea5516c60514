import type { LivePointer, ServingSettings } from './artifact-store.js';

/** A published version as the shared store lists it; `stamp` changes when the version is rebuilt. */
export interface PublishedVersion {
  project: string;
  version: string;
  stamp: string;
}

/**
 * The shared artifact store as a replica's mirror sees it (S3): the live pointers, the published
 * versions and their files. Read-only: only the replica that syncs writes to it.
 */
export interface VersionSource {
  readLive(): Promise<Record<string, LivePointer>>;
  readServing(): Promise<ServingSettings>;
  listPublished(): Promise<PublishedVersion[]>;
  /** Writes every file of the version into `dir`; returns the stamp of what was downloaded, undefined when the version is gone. */
  download(project: string, version: string, dir: string): Promise<string | undefined>;
}
