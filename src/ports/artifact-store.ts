import type { BuildRecords } from './build-records.js';
import type { PointerStore } from './pointer-store.js';
import type { VersionStore } from './version-store.js';

export type { BuildRecord, BuildStatus } from '../domain/build-record.js';
export type { LivePointer, ServingSettings } from '../domain/live-pointers.js';
export type { BuildLogs, BuildRecords } from './build-records.js';
export type { PointerStore } from './pointer-store.js';
export type { VersionStore } from './version-store.js';

/**
 * Everything a store keeps, as the composition root wires it: built versions, the live pointers
 * and the build records. Each service takes only the port it uses; serving files takes a
 * LocalSiteSource, which only the filesystem store is.
 */
export interface ArtifactStore extends VersionStore, PointerStore, BuildRecords {}
