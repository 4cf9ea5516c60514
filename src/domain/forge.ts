// Where a pull request for the config repo goes: which forge (GitHub or Gitea), its REST API base
// and the repository, decided from the remote's URL and the user's settings. Pure.

export type ForgeKind = 'github' | 'gitea';
export const FORGE_KINDS: readonly ForgeKind[] = ['github', 'gitea'];

export interface RemoteLocation {
  /** http, https or ssh. */
  scheme: string;
  host: string;
  /** Host with its port, as in a URL ("git.example.com:3000"). */
  authority: string;
  owner: string;
  repo: string;
}

export interface ForgeTarget {
  kind: ForgeKind;
  /** e.g. https://api.github.com, https://git.example.com/api/v1 (no trailing slash). */
  api: string;
  owner: string;
  repo: string;
}

/** The env variable the token of each forge is read from. */
export const TOKEN_ENV: Record<ForgeKind, string> = { github: 'GITHUB_TOKEN', gitea: 'GITEA_TOKEN' };

/**
 * owner/repo of a remote: https://host[:port]/owner/repo(.git), ssh://git@host[:port]/owner/repo.git
 * or git@host:owner/repo.git. Undefined for a local path or a URL without an owner and a repo.
 */
export function parseRemote(url: string): RemoteLocation | undefined {
  const scp = /^[^/@\s]+@([^:/\s]+):([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url);
  if (scp) return { scheme: 'ssh', host: scp[1] as string, authority: scp[1] as string, owner: scp[2] as string, repo: scp[3] as string };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'ssh:', 'git:'].includes(parsed.protocol)) return undefined;
  const parts = parsed.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (parts.length < 2) return undefined;
  const repo = parts.at(-1) as string;
  const owner = parts.at(-2) as string;
  return { scheme: parsed.protocol.slice(0, -1), host: parsed.hostname, authority: parsed.host, owner, repo };
}

/** The URL without credentials, safe to print or log. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}

export interface ForgeChoice {
  /** --forge or OPUS_FORGE. */
  kind?: string;
  /** --forge-api or OPUS_FORGE_API. */
  api?: string;
}

/** The forge to call, or a message saying what to pass. */
export function forgeTarget(remoteUrl: string, choice: ForgeChoice): ForgeTarget | { problem: string } {
  const remote = parseRemote(remoteUrl);
  const shown = withoutCredentials(remoteUrl);
  if (!remote) return { problem: `the config repo's remote ${shown} does not name an owner and a repository on a forge (like https://github.com/acme/opus-config.git)` };
  if (choice.kind !== undefined && !FORGE_KINDS.includes(choice.kind as ForgeKind)) {
    return { problem: `unknown forge "${choice.kind}": use ${FORGE_KINDS.join(' or ')}` };
  }
  const github = remote.host === 'github.com' || remote.host === 'www.github.com';
  const kind = (choice.kind as ForgeKind | undefined) ?? (github ? 'github' : undefined);
  if (!kind) return { problem: `cannot tell which forge hosts ${shown}: pass --forge github|gitea (or set OPUS_FORGE)` };
  const api = choice.api ?? defaultApi(kind, remote, github);
  if (!api) {
    return { problem: `cannot tell the ${kind} API address for ${shown}: pass --forge-api (or set OPUS_FORGE_API), e.g. ${kind === 'github' ? 'https://github.example.com/api/v3' : 'https://git.example.com/api/v1'}` };
  }
  return { kind, api: api.replace(/\/+$/, ''), owner: remote.owner, repo: remote.repo };
}

function defaultApi(kind: ForgeKind, remote: RemoteLocation, github: boolean): string | undefined {
  if (kind === 'github') return github ? 'https://api.github.com' : undefined;
  // Gitea serves its API beside the repositories; over SSH the web address is a guess, so ask.
  return remote.scheme === 'http' || remote.scheme === 'https' ? `${remote.scheme}://${remote.authority}/api/v1` : undefined;
}
