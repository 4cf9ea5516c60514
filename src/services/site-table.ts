// Which version of which project is served, and on which host names. Requests read it once;
// a switch replaces one map entry, so a request sees one version from start to end.
import type { LiveSite } from '../domain/plan.js';
import type { ArtifactStore, LivePointer } from '../ports/artifact-store.js';

/**
 * A page loaded just before a switch still asks for its own hashed JS and CSS (and lazy chunks,
 * maybe hours later). Versions that were live this recently keep answering those names; a content
 * hash in the name means it is the same file whichever version serves it.
 */
export const RECENTLY_LIVE = { versions: 5, hours: 12 };

export class SiteTable {
  private live = new Map<string, LivePointer>();
  private hosts = new Map<string, string>();
  /** Per project, versions that stopped being live (newest first) and when. Not persisted: a restart forgets them. */
  private retired = new Map<string, { version: string; at: number }[]>();
  private preview: string | undefined;

  private changeCount = 0;

  constructor(private readonly store: ArtifactStore) {}

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
    const live = this.liveVersion(project);
    const since = now - RECENTLY_LIVE.hours * 3_600_000;
    return (this.retired.get(project) ?? []).filter((r) => r.at >= since && r.version !== live).map((r) => r.version);
  }

  snapshot(): Record<string, LiveSite> {
    return Object.fromEntries([...this.live].map(([name, { since: _since, ...site }]) => [name, site]));
  }

  /** Persists first, so a restart serves what was served. */
  async set(project: string, pointer: LiveSite | undefined): Promise<void> {
    await this.store.setLive(project, pointer);
    this.retire(project, pointer?.version);
    if (pointer) this.live.set(project, { ...pointer, since: new Date().toISOString() });
    else this.live.delete(project);
    this.reindexHosts();
  }

  /**
   * Takes the pointers another replica persisted, in memory only: a replica that does not sync
   * keeps its view (the API's, and the plan's should it take over the sync) equal to the shared one.
   */
  adopt(live: Record<string, LivePointer>): void {
    for (const project of new Set([...this.live.keys(), ...Object.keys(live)])) this.retire(project, live[project]?.version);
    this.live = new Map(Object.entries(live));
    this.reindexHosts();
  }

  private retire(project: string, next: string | undefined): void {
    const before = this.live.get(project)?.version;
    if (before && before !== next) {
      const kept = (this.retired.get(project) ?? []).filter((r) => r.version !== before);
      this.retired.set(project, [{ version: before, at: Date.now() }, ...kept].slice(0, RECENTLY_LIVE.versions));
    }
  }

  private reindexHosts(): void {
    const hosts = new Map<string, string>();
    for (const [project, pointer] of this.live) for (const domain of pointer.domains) hosts.set(domain, project);
    this.hosts = hosts;
    this.changeCount += 1;
  }
}
