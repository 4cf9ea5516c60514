// Which site (project, version) a request is for: a project's domain, a preview host
// (<version>--<project>.<preview domain>), /<project>@<version>/ or /<project>/.
import type { SiteOptions } from '../../domain/desired-state.js';
import { isProjectName, isVersion } from '../../domain/names.js';
import type { SiteTable } from '../../services/site-table.js';

export interface SiteTarget {
  project: string;
  version: string;
  /** The URL prefix the site lives under: "" on a host of its own, "/<project>" or "/<project>@<version>". */
  base: string;
  /** The raw path within the site, "" when the request named only the base. */
  path: string;
  options: SiteOptions;
}

/** Preview aliases (pr-<n>, a branch's label, a commit's first 7+ hex digits) → the version they name now. */
export interface PreviewAliases {
  resolve(project: string, label: string): string | undefined;
  /** Goes up whenever an alias may point elsewhere. */
  readonly changes: number;
}

export const DEFAULT_SITE_OPTIONS: SiteOptions = { spa: false, redirects: [], headers: [] };

export class SiteRouter {
  private readonly previewVersions = new Map<string, string>();

  constructor(
    private readonly sites: SiteTable,
    private readonly versionExists: (project: string, version: string) => boolean,
    /** Names of the versions a project has (the store's, see LocalSiteSource.versionNames). */
    private readonly versionNames: (project: string) => string[],
    private readonly aliases?: PreviewAliases,
  ) {}

  route(hostHeader: string | undefined, path: string): SiteTarget | undefined {
    const host = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
    const byDomain = this.sites.projectForHost(host);
    if (byDomain) return this.live(byDomain, '', path);
    const preview = this.sites.previewDomain;
    if (preview && host.endsWith(`.${preview}`)) return this.previewByHost(host.slice(0, -preview.length - 1), path);
    const slash = path.indexOf('/', 1);
    const first = slash < 0 ? path.slice(1) : path.slice(1, slash);
    const rest = slash < 0 ? '' : path.slice(slash);
    const at = first.indexOf('@');
    if (at < 0) return this.live(first, `/${first}`, rest);
    const project = first.slice(0, at);
    const version = safeDecode(first.slice(at + 1));
    if (!version || !isVersion(version) || !this.sites.pointer(project) || !this.versionExists(project, version)) return undefined;
    return { project, version, base: `/${first}`, path: rest, options: this.options(project) };
  }

  /** Changes whenever a route may have changed (see SiteTable.changes). */
  get changes(): number {
    return this.sites.changes + (this.aliases?.changes ?? 0);
  }

  liveVersion(project: string): string | undefined {
    return this.sites.liveVersion(project);
  }

  private live(project: string, base: string, path: string): SiteTarget | undefined {
    const pointer = this.sites.pointer(project);
    return pointer ? { project, version: pointer.version, base, path, options: pointer.site ?? DEFAULT_SITE_OPTIONS } : undefined;
  }

  /** `1-2-0--site`: dots of the version are dashes in a host name; found among the built versions. */
  private previewByHost(label: string, path: string): SiteTarget | undefined {
    const split = label.lastIndexOf('--');
    const project = label.slice(split + 2);
    if (split <= 0 || !isProjectName(project) || !this.sites.pointer(project)) return undefined;
    const key = `${project}/${label.slice(0, split)}`;
    let version = this.previewVersions.get(key);
    if (!version) {
      version = this.versionNames(project).find((v) => isVersion(v) && v.replace(/\./g, '-').toLowerCase() === label.slice(0, split));
      if (version) this.previewVersions.set(key, version);
    }
    // Not a version's own label: a preview alias, which moves, so it is never remembered here.
    version ??= this.aliases?.resolve(project, label.slice(0, split));
    if (!version || !this.versionExists(project, version)) return undefined;
    return { project, version, base: '', path, options: this.options(project) };
  }

  private options(project: string): SiteOptions {
    return this.sites.pointer(project)?.site ?? DEFAULT_SITE_OPTIONS;
  }
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
