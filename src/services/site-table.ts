// Which version of which project is served, and on which host names. Requests read it once;
// a switch replaces one map entry, so a request sees one version from start to end.
import type { LiveSite } from '../domain/plan.js';
import type { ArtifactStore, LivePointer } from '../ports/artifact-store.js';

export class SiteTable {
  private live = new Map<string, LivePointer>();
  private hosts = new Map<string, string>();
  /** Base domain of preview hosts (opus.yaml previews.domain), set at every sync. */
  previewDomain: string | undefined;

  constructor(private readonly store: ArtifactStore) {}

  async load(): Promise<void> {
    this.live = new Map(Object.entries(await this.store.readLive()));
    this.reindexHosts();
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

  snapshot(): Record<string, LiveSite> {
    return Object.fromEntries([...this.live].map(([name, { since: _since, ...site }]) => [name, site]));
  }

  /** Persists first, so a restart serves what was served. */
  async set(project: string, pointer: LiveSite | undefined): Promise<void> {
    await this.store.setLive(project, pointer);
    if (pointer) this.live.set(project, { ...pointer, since: new Date().toISOString() });
    else this.live.delete(project);
    this.reindexHosts();
  }

  private reindexHosts(): void {
    const hosts = new Map<string, string>();
    for (const [project, pointer] of this.live) for (const domain of pointer.domains) hosts.set(domain, project);
    this.hosts = hosts;
  }
}
