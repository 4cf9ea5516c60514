// Where a project and each of its versions can be seen, as absolute URLs. Pure.

export interface ProjectUrls {
  /** The live version under the server's own address. */
  site: string;
  /** The live version on each of the project's domains. */
  domains: string[];
  /** Each built version at /<project>@<version>/ (and on its preview host when previews.domain is set). */
  previews: Record<string, string>;
  previewHosts?: Record<string, string>;
}

/** `origin` is the server's address as the client reached it, e.g. http://127.0.0.1:8080. */
export function projectUrls(origin: string, project: string, domains: string[], versions: string[], previewDomain?: string): ProjectUrls {
  const scheme = origin.startsWith('https:') ? 'https' : 'http';
  const base = origin.replace(/\/+$/, '');
  const previews = Object.fromEntries(versions.map((v) => [v, previewUrl(base, project, v)]));
  const urls: ProjectUrls = { site: `${base}/${project}/`, domains: domains.map((d) => `${scheme}://${d}/`), previews };
  if (previewDomain) {
    const hosts = versions.map((v) => [v, previewHostLabel(v)] as const).filter(([, label]) => label !== undefined);
    urls.previewHosts = Object.fromEntries(hosts.map(([v, label]) => [v, `${scheme}://${label}--${project}.${previewDomain}/`]));
  }
  return urls;
}

export function previewUrl(origin: string, project: string, version: string): string {
  return `${origin}/${project}@${encodeURIComponent(version)}/`;
}

/** `1.2.0` → `1-2-0`, as the site router reads preview hosts; undefined when the version cannot be a DNS label. */
export function previewHostLabel(version: string): string | undefined {
  const label = version.replace(/\./g, '-').toLowerCase();
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label) && !label.includes('--') ? label : undefined;
}
