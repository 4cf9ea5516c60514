// Is a state-changing request that a browser sent with the dashboard's cookie really from the
// dashboard's own page? Sites are on other hosts of the same site (site.localhost vs localhost,
// a.sites.example.com vs opus.example.com), so SameSite=Strict cookies go along with their
// requests: the check is Origin and Sec-Fetch-Site against the dashboard's own host, plus a custom
// header that no cross-origin page can send without a CORS preflight Opus never approves. Pure.

/** Header the dashboard's script sends with every request. */
export const DASHBOARD_REQUEST_HEADER = 'x-opus-request';

export interface BrowserRequest {
  /** The Host the request was sent to (the dashboard's, once routing let it through). */
  host: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  customHeader: string | undefined;
}

/** Why the request is refused, or undefined when it comes from the dashboard's own origin. */
export function crossOriginProblem(request: BrowserRequest): string | undefined {
  if (request.customHeader !== 'dashboard') return `a change made with the session cookie needs the header ${DASHBOARD_REQUEST_HEADER}: dashboard`;
  if (request.secFetchSite !== undefined && request.secFetchSite !== 'same-origin') return `refused: the request came from another origin (Sec-Fetch-Site: ${request.secFetchSite})`;
  if (request.origin === undefined) return 'a change made with the session cookie needs an Origin header';
  const host = originHost(request.origin);
  if (host === undefined || host !== request.host.toLowerCase()) return `refused: the request came from another origin (${request.origin})`;
  return undefined;
}

function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
