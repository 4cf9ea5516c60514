import type { Writable } from 'node:stream';
import type { BuildRecord } from '../domain/build-record.js';

/** A build's log: written as the build runs, read (and followed) by the API. */
export interface BuildLogs {
  /** A new, empty log for the build (an earlier one of the same version is replaced). */
  createLog(project: string, version: string): Promise<Writable>;
  removeLog(project: string, version: string): Promise<void>;
  /** At most `maxBytes` of the log from `offset`, and its size now; undefined when the build has no log. */
  readLog(project: string, version: string, offset?: number, maxBytes?: number): Promise<{ bytes: Buffer; size: number } | undefined>;
}

/** The record of every build (domain/build-record.ts), with its log (one BuildLogs object both stores compose). */
export interface BuildRecords {
  readonly logs: BuildLogs;
  readBuild(project: string, version: string): Promise<BuildRecord | undefined>;
  writeBuild(record: BuildRecord): Promise<void>;
  listBuilds(): Promise<BuildRecord[]>;
}
