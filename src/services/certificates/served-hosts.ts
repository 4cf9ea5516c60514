// "Which hosts does Opus really serve", read from the site table Opus serves from: project domains,
// preview hosts of built versions, and the dashboard's host. The only names a CA is ever asked about.
import { existsSync, readdirSync } from 'node:fs';
import { isVersion } from '../../domain/names.js';
import type { ServedHosts } from '../../domain/tls-names.js';
import { previewHostLabel } from '../../domain/urls.js';
import type { SiteTable } from '../site-table.js';

export function servedHosts(sites: SiteTable, projectDir: (project: string) => string, dashboardHost: string | undefined): ServedHosts {
  return {
    ...(dashboardHost ? { dashboardHost } : {}),
    projectForHost: (host) => sites.projectForHost(host),
    ...(sites.previewDomain ? { previewDomain: sites.previewDomain } : {}),
    previewExists(project, label) {
      if (!sites.pointer(project)) return false;
      const dir = projectDir(project);
      return existsSync(dir) && readdirSync(dir).some((version) => isVersion(version) && previewHostLabel(version) === label);
    },
  };
}

/** Every domain of every live project, for the names ordered ahead. */
export function projectDomains(sites: SiteTable): string[] {
  return Object.values(sites.snapshot()).flatMap((site) => site.domains);
}
