// Telling whether two ways of writing a git repository's address name the same repository, so a
// push webhook (which gives clone_url, ssh_url, html_url, …) finds the projects built from it. Pure.
import { posix } from 'node:path';

const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ssh:': '22', 'git:': '9418' };

/** True for an absolute or relative filesystem path (or a file:// URL): a repository on this machine. */
export function isLocalPath(url: string): boolean {
  const text = url.trim();
  if (/^file:\/\//i.test(text)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return false;
  return text.startsWith('/') || text.startsWith('.') || !SCP_LIKE.test(text);
}

/**
 * One spelling per repository: `host[:port]/path` in lower case for a remote (scheme, user and
 * default port dropped: https, ssh and git@host:path of one repository match), the normalized
 * absolute path for a local one; `.git` and trailing slashes dropped in both.
 * Paths on a host compare without case, as GitHub, GitLab and Gitea treat owner and repository names.
 */
export function normalizeRepoUrl(url: string): string {
  const text = url.trim();
  if (isLocalPath(text)) return localKey(text);
  const scp = SCP_LIKE.exec(text);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return remoteKey(scp[1] as string, '', scp[2] as string);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return stripRepoSuffix(text.toLowerCase());
  }
  const port = parsed.port && parsed.port !== DEFAULT_PORTS[parsed.protocol.replace(/^git\+/, '')] ? parsed.port : '';
  return remoteKey(parsed.hostname, port, safeDecode(parsed.pathname));
}

export function sameRepo(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

function remoteKey(host: string, port: string, path: string): string {
  const cleanPath = stripRepoSuffix(posix.normalize(`/${path}`)).replace(/^\/+/, '');
  return `${host.toLowerCase()}${port ? `:${port}` : ''}/${cleanPath}`.toLowerCase();
}

function localKey(text: string): string {
  const path = /^file:\/\//i.test(text) ? safeDecode(text.replace(/^file:\/\/(localhost)?/i, '')) : text;
  return stripRepoSuffix(posix.normalize(path)) || '/';
}

function stripRepoSuffix(path: string): string {
  return path.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
