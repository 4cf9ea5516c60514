// Where a project and each of its versions can be seen, as absolute URLs: every project on a host
// of its own (<project>.<sites domain>), previews on <version>--<project>.<sites domain>, in the
// scheme and port the dashboard was reached by. Pure.
import type { Origins } from './origins.js';
import { previewLabel } from './origins.js';

export interface ProjectUrls {
  /** The live version on its own host. */
  site: string;
  /** The live version on each of the project's domains. */
  domains: string[];
  /** Each built version on its preview host (a version that is no host label: on the path-style host, if any). */
  previews: Record<string, string>;
  /** Preview hosts under opus.yaml's previews.domain, when it is set. */
  previewHosts?: Record<string, string>;
}

export interface SiteAddress {
  scheme: 'http' | 'https';
  /** ":8080", or "" for the scheme's default port. */
  port: string;
  sitesDomain: string;
  /** Where path-style sites are served (the opt-in), e.g. http://sites.internal:8080. */
  pathOrigin?: string;
}

/** `origin` is the dashboard's address as the client reached it, e.g. http://localhost:8080. */
export function siteAddress(origin: string, origins: Pick<Origins, 'sitesDomain' | 'pathHosts'>): SiteAddress {
  const url = new URL(origin);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? `:${url.port}` : '';
  const path = origins.pathHosts[0];
  return { scheme, port, sitesDomain: origins.sitesDomain, ...(path ? { pathOrigin: `${scheme}://${path}${port}` } : {}) };
}

export function siteUrl(address: SiteAddress, project: string): string {
  return `${address.scheme}://${project}.${address.sitesDomain}${address.port}/`;
}

/** The preview of a version; undefined when it can be no host label and there is no path-style host. */
export function previewUrl(address: SiteAddress, project: string, version: string): string | undefined {
  const label = previewLabel(version);
  if (label) return `${address.scheme}://${label}--${project}.${address.sitesDomain}${address.port}/`;
  return address.pathOrigin ? `${address.pathOrigin}/${project}@${encodeURIComponent(version)}/` : undefined;
}

export function projectUrls(address: SiteAddress, project: string, domains: string[], versions: string[], previewDomain?: string): ProjectUrls {
  const previews = Object.fromEntries(versions.flatMap((v) => {
    const url = previewUrl(address, project, v);
    return url ? [[v, url]] : [];
  }));
  const urls: ProjectUrls = { site: siteUrl(address, project), domains: domains.map((d) => `${address.scheme}://${d}/`), previews };
  if (previewDomain) {
    const hosts = versions.map((v) => [v, previewLabel(v)] as const).filter(([, label]) => label !== undefined);
    urls.previewHosts = Object.fromEntries(hosts.map(([v, label]) => [v, `${address.scheme}://${label}--${project}.${previewDomain}/`]));
  }
  return urls;
}
