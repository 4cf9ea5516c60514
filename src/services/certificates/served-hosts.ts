// "Which hosts does Opus really serve", read from the site table Opus serves from: project domains,
// preview hosts of built versions, and the dashboard's host. The only names a CA is ever asked about.
import { isVersion } from '../../domain/names.js';
import type { ServedHosts } from '../../domain/tls-names.js';
import { previewHostLabel } from '../../domain/urls.js';
import type { SiteTable } from '../site-table.js';

/** How long a project's preview labels are reused: asked per handshake or redirect of an unknown preview host. */
const LISTING_MS = 2_000;

/** The served hosts of a site table, as a function read at each use (the table changes). */
export function servedHostsOf(sites: SiteTable, versionNames: (project: string) => string[], dashboardHost: string | undefined): () => ServedHosts {
  const listings = new Map<string, { at: number; labels: Set<string> }>();
  const labelsOf = (project: string): Set<string> => {
    const now = Date.now();
    const cached = listings.get(project);
    if (cached && now - cached.at < LISTING_MS) return cached.labels;
    const labels = new Set(versionNames(project).filter((v) => isVersion(v)).map((v) => previewHostLabel(v) ?? ''));
    if (listings.size > 10_000) listings.clear();
    listings.set(project, { at: now, labels });
    return labels;
  };
  const served: ServedHosts = {
    ...(dashboardHost ? { dashboardHost } : {}),
    projectForHost: (host) => sites.projectForHost(host),
    previewExists: (project, label) => sites.pointer(project) !== undefined && label !== '' && labelsOf(project).has(label),
  };
  return () => {
    const preview = sites.previewDomain;
    return preview ? { ...served, previewDomain: preview } : served;
  };
}

/** Every domain of every live project, for the names ordered ahead. */
export function projectDomains(sites: SiteTable): string[] {
  return Object.values(sites.snapshot()).flatMap((site) => site.domains);
}
