// Which version of each project is live, as the store keeps it (`.opus/live.json`), the one way a
// switch changes that document, and whether a switch is a rollback. Pure.
import semver from 'semver';
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

/**
 * Whether a switch of the live version is a rollback, from the switch itself: the version goes
 * back to one that was live before (`earlier`, newest first), or to a lower one. Never from a
 * commit's subject: a rollback commit followed by another commit before the sync is still one.
 */
export function isRollback(from: string | undefined, to: string, earlier: readonly string[]): boolean {
  if (from === undefined || from === to) return false;
  if (earlier.includes(to)) return true;
  const [was, now] = [semver.valid(from.replace(/^v/, '')), semver.valid(to.replace(/^v/, ''))];
  return was !== null && now !== null && semver.lt(now, was);
}
