// Which origin a request is for, from its Host: the dashboard and API (on hosts no build output is
// ever served from), a project (<project>.<sites domain>), a preview (<version>--<project>.<sites
// domain>, the version's dots as dashes or as they are), path-style sites (an explicit opt-in on
// hosts of their own), or nothing Opus knows (a project's own domain is looked up by the caller).
// Pure.
import { isProjectName } from './names.js';

export interface Origins {
  /** Host names (no port) of the dashboard and the API. */
  dashboardHosts: string[];
  /** Projects are served on <project>.<sitesDomain>, previews on <version>--<project>.<sitesDomain>. */
  sitesDomain: string;
  /** Opt-in: host names that serve /<project>/ and /<project>@<version>/ (never a dashboard host). */
  pathHosts: string[];
}

/** The embedded default: the dashboard on localhost (and the loopback addresses), sites on *.localhost. */
export const EMBEDDED_ORIGINS: Origins = { dashboardHosts: ['localhost', '127.0.0.1', '[::1]'], sitesDomain: 'localhost', pathHosts: [] };

export type HostRole =
  | { kind: 'dashboard' }
  | { kind: 'path-sites' }
  /** A label under the sites domain: a project's name, or a preview's (see previewOf). */
  | { kind: 'site'; label: string }
  | { kind: 'other'; host: string };

const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)$/;

/** The host name of a Host header: lowercase, without port and trailing dot; undefined when it is none. */
export function hostName(header: string | undefined): string | undefined {
  const host = (header ?? '').trim().toLowerCase().replace(/:\d{1,5}$/, '').replace(/\.$/, '');
  return host.length > 0 && host.length <= 253 && HOST.test(host) ? host : undefined;
}

export function hostRole(origins: Origins, header: string | undefined): HostRole | undefined {
  const host = hostName(header);
  if (host === undefined) return undefined;
  if (origins.dashboardHosts.includes(host)) return { kind: 'dashboard' };
  if (origins.pathHosts.includes(host)) return { kind: 'path-sites' };
  const suffix = `.${origins.sitesDomain}`;
  if (host.endsWith(suffix)) {
    const label = host.slice(0, -suffix.length);
    if (isProjectName(label) || previewOf(label)) return { kind: 'site', label };
  }
  return { kind: 'other', host };
}

/**
 * `1-1-0--site` or `1.1.0--site` → project `site`, version label `1-1-0` (compare it with
 * previewLabel of each built version). A project whose own name is the whole label comes first
 * (see SiteRouter), so a project may still be called `a--b`.
 */
export function previewOf(label: string): { project: string; versionLabel: string } | undefined {
  const split = label.lastIndexOf('--');
  if (split <= 0) return undefined;
  const project = label.slice(split + 2);
  const versionLabel = previewLabel(label.slice(0, split));
  return isProjectName(project) && versionLabel ? { project, versionLabel } : undefined;
}

/** `1.2.0` → `1-2-0`; undefined when the version cannot be one DNS label that way. */
export function previewLabel(version: string): string | undefined {
  const label = version.replace(/\./g, '-').toLowerCase();
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label) && !label.includes('--') && label.length <= 63 ? label : undefined;
}

/** Why these settings would put a site on the dashboard's origin (refused at start), if they do. */
export function originsProblem(origins: Origins): string | undefined {
  const shared = origins.pathHosts.find((h) => origins.dashboardHosts.includes(h));
  if (shared) return `${shared} cannot be both the dashboard's host and a host of path-style sites: sites on the dashboard's origin could read its credentials`;
  if (origins.dashboardHosts.length === 0) return 'the dashboard needs at least one host';
  const bad = [...origins.dashboardHosts, ...origins.pathHosts, origins.sitesDomain].find((h) => hostName(h) !== h);
  if (bad !== undefined) return `"${bad}" is not a host name (lowercase, no scheme, no port)`;
  const underSites = origins.dashboardHosts.find((h) => hostRole({ ...origins, dashboardHosts: [] }, h)?.kind === 'site');
  if (underSites) return `${underSites} is a project's host under the sites domain ${origins.sitesDomain}: pick a dashboard host outside it`;
  return undefined;
}
