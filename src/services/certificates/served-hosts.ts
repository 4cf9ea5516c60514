// "Which hosts does Opus really serve", read from the site table Opus serves from: project domains,
// preview hosts of built versions, and the dashboard's host. The only names a CA is ever asked about.
import { existsSync, readdirSync } from 'node:fs';
import { isVersion } from '../../domain/names.js';
import type { ServedHosts } from '../../domain/tls-names.js';
import { previewHostLabel } from '../../domain/urls.js';
import type { SiteTable } from '../site-table.js';

/** How long a project's listing of versions is reused: asked per handshake or redirect of an unknown preview host. */
const LISTING_MS = 2_000;
const listings = new Map<string, { at: number; labels: Set<string> }>();

function previewLabels(dir: string): Set<string> {
  const now = Date.now();
  const cached = listings.get(dir);
  if (cached && now - cached.at < LISTING_MS) return cached.labels;
  const labels = new Set(existsSync(dir) ? readdirSync(dir).filter((v) => isVersion(v)).map((v) => previewHostLabel(v) ?? '') : []);
  if (listings.size > 10_000) listings.clear();
  listings.set(dir, { at: now, labels });
  return labels;
}

export function servedHosts(sites: SiteTable, projectDir: (project: string) => string, dashboardHost: string | undefined): ServedHosts {
  return {
    ...(dashboardHost ? { dashboardHost } : {}),
    projectForHost: (host) => sites.projectForHost(host),
    ...(sites.previewDomain ? { previewDomain: sites.previewDomain } : {}),
    previewExists(project, label) {
      return sites.pointer(project) !== undefined && label !== '' && previewLabels(projectDir(project)).has(label);
    },
  };
}

/** Every domain of every live project, for the names ordered ahead. */
export function projectDomains(sites: SiteTable): string[] {
  return Object.values(sites.snapshot()).flatMap((site) => site.domains);
}
