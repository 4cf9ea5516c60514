// Which version of which project is served, and on which host names. Requests read it once;
// a switch replaces one map entry, so a request sees one version from start to end.
import type { LiveSite } from '../domain/plan.js';
import type { LivePointer, PointerStore } from '../ports/pointer-store.js';

/**
 * A page loaded just before a switch still asks for its own hashed JS and CSS (and lazy chunks,
 * maybe hours later). Versions that were live this recently keep answering those names; a content
 * hash in the name means it is the same file whichever version serves it.
 */
export const RECENTLY_LIVE = { versions: 5, hours: 12 };

export class SiteTable {
  private live = new Map<string, LivePointer>();
  private hosts = new Map<string, string>();
  private preview: string | undefined;

  private changeCount = 0;

  constructor(private readonly store: PointerStore) {}

  /** Goes up at every change of pointers, domains or the preview domain: routes worked out before may be stale. */
  get changes(): number {
    return this.changeCount;
  }

  async load(): Promise<void> {
    this.live = new Map(Object.entries(await this.store.readLive()));
    this.preview = (await this.store.readServing()).previewDomain;
    this.reindexHosts();
  }

  /** Base domain of preview hosts (opus.yaml previews.domain). */
  get previewDomain(): string | undefined {
    return this.preview;
  }

  /** Set at every sync; persisted when it changes, so a restart and the other replicas serve the same preview hosts. */
  async setPreviewDomain(domain: string | undefined): Promise<void> {
    if (domain === this.preview) return;
    await this.store.writeServing(domain ? { previewDomain: domain } : {});
    this.preview = domain;
    this.changeCount += 1;
  }

  /** The preview domain another replica persisted, in memory only (see adopt). */
  adoptPreviewDomain(domain: string | undefined): void {
    if (domain === this.preview) return;
    this.preview = domain;
    this.changeCount += 1;
  }

  liveVersion(project: string): string | undefined {
    return this.live.get(project)?.version;
  }

  projectForHost(host: string): string | undefined {
    return this.hosts.get(host);
  }

  pointer(project: string): LivePointer | undefined {
    return this.live.get(project);
  }

  /** Versions that were live within RECENTLY_LIVE, newest first, other than the live one. */
  recentlyLive(project: string, now = Date.now()): string[] {
    const pointer = this.live.get(project);
    return recent(pointer?.previous ?? [], pointer?.version, now).map((p) => p.version);
  }

  snapshot(): Record<string, LiveSite> {
    return Object.fromEntries([...this.live].map(([name, { since: _since, previous: _previous, ...site }]) => [name, site]));
  }

  /** Persists first (with the versions live before), so a restart serves what was served. */
  async set(project: string, pointer: LiveSite | undefined): Promise<void> {
    const current = this.live.get(project);
    const now = Date.now();
    const earlier = current && current.version !== pointer?.version ? [{ version: current.version, until: new Date(now).toISOString() }, ...(current.previous ?? [])] : (current?.previous ?? []);
    const previous = recent(earlier, pointer?.version, now);
    const next = pointer && { ...pointer, ...(previous.length ? { previous } : {}) };
    await this.store.setLive(project, next);
    if (next) this.live.set(project, { ...next, since: current?.version === next.version ? current.since : new Date(now).toISOString() });
    else this.live.delete(project);
    this.reindexHosts();
  }

  /**
   * Takes the pointers another replica persisted, in memory only: a replica that does not sync
   * keeps its view (the API's, and the plan's should it take over the sync) equal to the shared one.
   */
  adopt(live: Record<string, LivePointer>): void {
    this.live = new Map(Object.entries(live));
    this.reindexHosts();
  }

  private reindexHosts(): void {
    const hosts = new Map<string, string>();
    for (const [project, pointer] of this.live) for (const domain of pointer.domains) hosts.set(domain, project);
    this.hosts = hosts;
    this.changeCount += 1;
  }
}

/** Within RECENTLY_LIVE (time and count), each version once, never the live one. */
function recent(previous: { version: string; until: string }[], live: string | undefined, now: number): { version: string; until: string }[] {
  const since = now - RECENTLY_LIVE.hours * 3_600_000;
  const seen = new Set<string>(live === undefined ? [] : [live]);
  return previous.filter((p) => Date.parse(p.until) >= since && !seen.has(p.version) && seen.add(p.version)).slice(0, RECENTLY_LIVE.versions);
}
