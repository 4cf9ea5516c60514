// What a replica's local mirror must do to follow the shared artifact store: pure decisions, the
// I/O is LiveFollower's. Switches come from the live pointers (polled often, one small read);
// fetches and drops from the list of published versions (polled less often).
import type { LiveSite } from './plan.js';

export interface VersionStamp {
  project: string;
  version: string;
  /** Changes when the version is rebuilt; undefined for a mirrored version whose origin is unknown. */
  stamp: string | undefined;
}

/** What of a preview a replica serves: the version its alias names and those it built (their commit URLs stay). */
export interface PreviewVersions {
  project: string;
  served?: string;
  versions: readonly string[];
}

export const versionKey = (project: string, version: string): string => `${project}@${version}`;

/** The projects whose served pointer differs from the shared one (version, domains or site options), and those no longer live. */
export function liveChanges(shared: Record<string, LiveSite>, serving: Record<string, LiveSite>): { switches: { project: string; pointer: LiveSite }[]; unpublished: string[] } {
  const switches = Object.entries(shared)
    .filter(([project, pointer]) => !samePointer(pointer, serving[project]))
    .map(([project, { version, domains, site }]) => ({ project, pointer: { version, domains, ...(site ? { site } : {}) } }));
  const unpublished = Object.keys(serving).filter((project) => !(project in shared));
  return { switches, unpublished };
}

function samePointer(a: LiveSite, b: LiveSite | undefined): boolean {
  return b !== undefined && a.version === b.version && JSON.stringify(a.domains) === JSON.stringify(b.domains) && JSON.stringify(a.site ?? null) === JSON.stringify(b.site ?? null);
}

/**
 * Versions to download (servable, and new or rebuilt since they were mirrored) and mirrored
 * versions to drop (gone from the shared store, or no longer servable). Only what a replica may
 * serve is mirrored: the live versions and those recently live (`servable`, keys of
 * versionKey), not every built one, so a replica's disk holds what it serves. A version served
 * right now is never dropped: a replica keeps serving it until the live pointers say otherwise.
 */
export function mirrorWork(published: VersionStamp[], mirrored: VersionStamp[], served: Set<string>, servable: Set<string>): { fetch: VersionStamp[]; drop: VersionStamp[] } {
  const have = new Map(mirrored.map((m) => [versionKey(m.project, m.version), m.stamp]));
  const wanted = new Set(published.map((p) => versionKey(p.project, p.version)).filter((key) => servable.has(key)));
  const fetch = published.filter((p) => {
    if (!wanted.has(versionKey(p.project, p.version))) return false;
    const key = versionKey(p.project, p.version);
    return !have.has(key) || have.get(key) !== p.stamp;
  });
  const drop = mirrored.filter((m) => !wanted.has(versionKey(m.project, m.version)) && !served.has(versionKey(m.project, m.version)));
  return { fetch, drop };
}

/** The versionKeys of current previews: mirrored besides the live and recently live versions (and nothing else). */
export function previewServable(previews: readonly PreviewVersions[]): string[] {
  return previews.flatMap((p) => [...new Set([...(p.served ? [p.served] : []), ...p.versions])].map((version) => versionKey(p.project, version)));
}
