// "Which hosts does Opus really serve", read from the site table Opus serves from: project domains,
// <project>.<sites domain> of live projects, preview hosts of built versions, and the dashboard's
// host. The only names a CA is ever asked about.
import { isVersion } from '../../domain/names.js';
import type { ServedHosts } from '../../domain/tls-names.js';
import { previewLabel } from '../../domain/origins.js';
import type { SiteTable } from '../site-table.js';

/** How long a project's preview labels are reused: asked per handshake or redirect of an unknown preview host. */
const LISTING_MS = 2_000;

/** The served hosts of a site table, as a function read at each use (the table changes). */
export function servedHostsOf(sites: SiteTable, versionNames: (project: string) => string[], dashboardHost: string | undefined, sitesDomain?: string): () => ServedHosts {
  const ownDomain = sitesDomain !== undefined && !isLocal(sitesDomain) ? sitesDomain : undefined;
  const listings = new Map<string, { at: number; labels: Set<string> }>();
  const labelsOf = (project: string): Set<string> => {
    const now = Date.now();
    const cached = listings.get(project);
    if (cached && now - cached.at < LISTING_MS) return cached.labels;
    const labels = new Set(versionNames(project).filter((v) => isVersion(v)).map((v) => previewLabel(v) ?? ''));
    if (listings.size > 10_000) listings.clear();
    listings.set(project, { at: now, labels });
    return labels;
  };
  const served: ServedHosts = {
    ...(dashboardHost ? { dashboardHost } : {}),
    projectForHost: (host) => sites.projectForHost(host) ?? (ownDomain ? liveProjectOn(sites, host, ownDomain) : undefined),
    previewExists: (project, label) => sites.pointer(project) !== undefined && label !== '' && labelsOf(project).has(label),
  };
  return () => {
    const preview = sites.previewDomain ?? ownDomain;
    return preview ? { ...served, previewDomain: preview } : served;
  };
}

/** Every domain of every live project, and its <project>.<sites domain>, for the names ordered ahead. */
export function projectDomains(sites: SiteTable, sitesDomain?: string): string[] {
  const own = sitesDomain !== undefined && !isLocal(sitesDomain) ? Object.keys(sites.snapshot()).map((project) => `${project}.${sitesDomain}`) : [];
  return [...Object.values(sites.snapshot()).flatMap((site) => site.domains), ...own];
}

/** `localhost` and its subdomains never get a certificate from a CA. */
function isLocal(domain: string): boolean {
  return domain === 'localhost' || domain.endsWith('.localhost');
}

function liveProjectOn(sites: SiteTable, host: string, sitesDomain: string): string | undefined {
  if (!host.endsWith(`.${sitesDomain}`)) return undefined;
  const label = host.slice(0, -sitesDomain.length - 1);
  return !label.includes('.') && sites.pointer(label) ? label : undefined;
}
