// The built versions of a project as operators see them: build facts from the build record,
// whether live, and where to preview and download each one.
import { removalRefusal } from '../domain/artifacts.js';
import { isVersion } from '../domain/names.js';
import { previewUrl, type SiteAddress } from '../domain/urls.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { SiteTable } from './site-table.js';
import type { DesiredStateView } from './desired-state-view.js';

export interface ArtifactInfo {
  version: string;
  /** Source commit the version was built from. */
  commit?: string;
  /** Size of the built output in bytes, and its number of files. */
  bytes?: number;
  files?: number;
  /** How long the build took. */
  durationMs?: number;
  builtAt: string;
  live: boolean;
  desired: boolean;
  /** Absent for a version that can be no host label when no path-style host is set. */
  previewUrl?: string;
  archiveUrl: string;
}

export type Removal = { removed: true } | { refused: string } | { missing: true };

export class Artifacts {
  constructor(
    private readonly store: ArtifactStore,
    private readonly sites: SiteTable,
    private readonly sync: DesiredStateView,
  ) {}

  /** A project is known while the config repo names it, it is served, or it has built versions. */
  async known(project: string): Promise<boolean> {
    const desired = this.sync.desiredState;
    if (desired?.projects.some((p) => p.name === project) || desired?.brokenProjects.includes(project)) return true;
    if (this.sites.liveVersion(project)) return true;
    return (await this.store.listBuilt(project)).length > 0;
  }

  /** Newest first. `origin` is the server's address as the client reached it, `address` where its sites are. */
  async list(project: string, origin: string, address: SiteAddress): Promise<ArtifactInfo[]> {
    const live = this.sites.liveVersion(project);
    const desired = this.sync.desiredVersion(project);
    const built = (await this.store.listBuilt(project)).sort((a, b) => b.builtAt - a.builtAt || b.version.localeCompare(a.version));
    return Promise.all(
      built.map(async ({ version, builtAt }) => {
        const record = await this.store.readBuild(project, version);
        // A forced rebuild that is running, failed or was cancelled left the published build in place: its facts.
        const facts = record?.status === 'succeeded' ? record : record?.published;
        const preview = previewUrl(address, project, version);
        return {
          version,
          ...(facts?.commit ? { commit: facts.commit } : {}),
          ...(facts?.bytes !== undefined ? { bytes: facts.bytes } : {}),
          ...(facts?.files !== undefined ? { files: facts.files } : {}),
          ...(facts?.durationMs !== undefined ? { durationMs: facts.durationMs } : {}),
          builtAt: facts?.finishedAt ?? new Date(builtAt).toISOString(),
          live: version === live,
          desired: version === desired,
          ...(preview ? { previewUrl: preview } : {}),
          archiveUrl: `${origin}/api/v1/projects/${project}/artifacts/${encodeURIComponent(version)}/archive`,
        };
      }),
    );
  }

  async exists(project: string, version: string): Promise<boolean> {
    return isVersion(version) && (await this.store.listBuilt(project)).some((b) => b.version === version);
  }

  async remove(project: string, version: string): Promise<Removal> {
    if (!(await this.exists(project, version))) return { missing: true };
    const refused = removalRefusal(project, version, { live: this.sites.liveVersion(project), desired: this.sync.desiredVersion(project) });
    if (refused) return { refused };
    await this.store.remove(project, version);
    return { removed: true };
  }
}
