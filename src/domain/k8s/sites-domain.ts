// The sites domain of an install: every project at <project>.<sites domain> and every preview at
// <version>--<project>.<sites domain>, so the Ingress routes the wildcard *.<sites domain> to Opus
// and the server is told the domain (OPUS_SITES_DOMAIN). The dashboard's host must stay outside
// it: a dashboard reachable as a site's host would share an origin with built output. Pure.
import { hostName, originsProblem } from '../origins.js';

/** The dashboard hosts the server answers on in a pod: the Ingress host and loopback, for the CLI in the pod. */
export function podDashboardHosts(host: string): string[] {
  return [host, 'localhost', '127.0.0.1'];
}

/** Why these flags cannot make a safe install, if they cannot. */
export function sitesDomainProblem(sitesDomain: string, host: string | undefined): string | undefined {
  if (hostName(sitesDomain) !== sitesDomain || !sitesDomain.includes('.')) {
    return `--sites-domain "${sitesDomain}" is not a domain name: give one such as sites.example.net (lowercase, no scheme, no port, no "*.")`;
  }
  if (host?.endsWith(`.${sitesDomain}`)) {
    return `--host ${host} is under --sites-domain ${sitesDomain}: its sites would be the dashboard's siblings (they could set cookies for it); give the dashboard a host outside the sites domain (opus.example.com beside sites.example.net)`;
  }
  if (host === sitesDomain) return `--host and --sites-domain are both ${host}: give the dashboard a host outside the sites domain (opus.example.com beside sites.example.net)`;
  const problem = originsProblem({ dashboardHosts: host ? podDashboardHosts(host) : ['localhost'], sitesDomain, pathHosts: [] });
  return problem && `${problem} (--host, --sites-domain)`;
}

/** The Ingress host that routes every project and preview under the sites domain. */
export const sitesWildcard = (sitesDomain: string): string => `*.${sitesDomain}`;
