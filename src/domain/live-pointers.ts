// Which version of each project is live, as the store keeps it (`.opus/live.json`), and the one
// way a switch changes that document. Pure.
import type { SiteOptions } from './desired-state.js';

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

/** How every replica serves beyond the pointers: opus.yaml's preview domain, written by the replica that syncs. */
export interface ServingSettings {
  previewDomain?: string;
}

/** The pointers with one project switched (or unpublished: undefined); `since` stays while the version does. */
export function withLivePointer(live: Record<string, LivePointer>, project: string, pointer: Omit<LivePointer, 'since'> | undefined, now: string): Record<string, LivePointer> {
  const next = { ...live };
  if (pointer === undefined) delete next[project];
  else next[project] = { ...pointer, since: live[project]?.version === pointer.version ? live[project].since : now };
  return next;
}
