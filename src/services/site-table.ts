// Which version of which project is served, and on which host names. Requests read it once;
// a switch replaces one map entry, so a request sees one version from start to end.
import type { ArtifactStore, LivePointer } from '../ports/artifact-store.js';

export class SiteTable {
  private live = new Map<string, LivePointer>();
  private hosts = new Map<string, string>();

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

  snapshot(): Record<string, { version: string; domains: string[] }> {
    return Object.fromEntries([...this.live].map(([name, p]) => [name, { version: p.version, domains: p.domains }]));
  }

  /** Persists first, so a restart serves what was served. */
  async set(project: string, pointer: { version: string; domains: string[] } | undefined): Promise<void> {
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
