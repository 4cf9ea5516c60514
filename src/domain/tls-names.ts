// Which host names Opus serves over TLS, which certificate names cover a host, and when a
// certificate is renewed. Pure: the site table and the clock come in.

/** What Opus serves, as the site table knows it (see services/site-table.ts). */
export interface ServedHosts {
  /** The dashboard's and API's own host (the public URL's), if it has a name. */
  dashboardHost?: string;
  /** The project a domain belongs to. */
  projectForHost(host: string): string | undefined;
  /** Base domain of preview hosts, `<version>--<project>.<previewDomain>`. */
  previewDomain?: string;
  /** Whether `label` (a version, dots as dashes) of `project` is a built version, so its preview host answers. */
  previewExists(project: string, label: string): boolean;
}

export type HostKind = 'dashboard' | 'domain' | 'preview';

/**
 * Whether Opus really serves `host` (lowercased, no port): the only hosts it may ever ask a CA
 * about. A stranger's Host header or SNI name that is none of these never leads to an order.
 */
export function servedHostKind(host: string, served: ServedHosts): HostKind | undefined {
  if (!isDnsName(host)) return undefined;
  if (served.dashboardHost && host === served.dashboardHost) return 'dashboard';
  if (served.projectForHost(host)) return 'domain';
  const base = served.previewDomain;
  if (!base || !host.endsWith(`.${base}`)) return undefined;
  const label = host.slice(0, -base.length - 1);
  const split = label.lastIndexOf('--');
  if (split <= 0 || label.includes('.')) return undefined;
  return served.previewExists(label.slice(split + 2), label.slice(0, split)) ? 'preview' : undefined;
}

/** The names ordered ahead of any request: the dashboard host and every project domain. */
export function namesToOrder(dashboardHost: string | undefined, domains: Iterable<string>): string[] {
  const names = new Set<string>();
  if (dashboardHost && isDnsName(dashboardHost)) names.add(dashboardHost);
  for (const domain of domains) if (isDnsName(domain)) names.add(domain);
  return [...names].sort();
}

/** A name with at least one dot of LDH labels: not an IP address, not `localhost`. */
export function isDnsName(host: string): boolean {
  return host.length <= 253 && /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(host);
}

/** The certificate names that cover `host`: itself, then the wildcard one label up (RFC 6125: one label only). */
export function coveringNames(host: string): string[] {
  const dot = host.indexOf('.');
  return dot > 0 && host.indexOf('.', dot + 1) > 0 ? [host, `*${host.slice(dot)}`] : [host];
}

/** The DNS names of an X509Certificate.subjectAltName string ("DNS:a.example, DNS:*.b.example"). */
export function dnsNamesOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/**
 * When to renew: a third of the lifetime before expiry (30 days of Let's Encrypt's 90), so a
 * failing CA leaves weeks of retries; short-lived test certificates renew the same way.
 */
export function renewAtMs(notBeforeMs: number, notAfterMs: number): number {
  return notAfterMs - (notAfterMs - notBeforeMs) / 3;
}

/** A bounded count per window: on-demand orders may not exceed `limit` in any `windowMs`. */
export function allowedByRate(history: number[], nowMs: number, limit: number, windowMs: number): boolean {
  return history.filter((at) => nowMs - at < windowMs).length < limit;
}
