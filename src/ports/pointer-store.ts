import type { LivePointer, ServingSettings } from '../domain/live-pointers.js';

export type { LivePointer, ServingSettings } from '../domain/live-pointers.js';

/** Which version of each project is served, and how every replica serves (the preview domain). */
export interface PointerStore {
  readLive(): Promise<Record<string, LivePointer>>;
  /** Switches one project (undefined: unpublishes it); the merge with the other projects is domain/live-pointers.ts's. */
  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void>;
  readServing(): Promise<ServingSettings>;
  writeServing(settings: ServingSettings): Promise<void>;
}
