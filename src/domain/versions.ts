import semver from 'semver';

/** Tag names from `git ls-remote --tags` output (peeled `^{}` lines folded into their tag). */
export function parseLsRemoteTags(output: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (!sha || !ref?.startsWith('refs/tags/')) continue;
    const name = ref.slice('refs/tags/'.length);
    if (name.endsWith('^{}')) tags.set(name.slice(0, -3), sha);
    else if (!tags.has(name)) tags.set(name, sha);
  }
  return tags;
}

/**
 * The newest semver tag ("v1.2.0" counts as 1.2.0). Pre-releases (1.3.0-rc.1) are never picked by
 * `latest`: they are deployed only when pinned by name.
 */
export const LATEST = 'latest';

export function isLatest(version: string | undefined): version is typeof LATEST {
  return version === LATEST;
}

/** The tag a requested version names among a source's tags: `latest` is the newest semver tag (undefined when there is none), any other name is itself. */
export function resolveVersion(requested: string, tags: Iterable<string>): string | undefined {
  return isLatest(requested) ? newestSemverTag(tags) : requested;
}

export function newestSemverTag(tags: Iterable<string>): string | undefined {
  let best: { tag: string; version: string } | undefined;
  for (const tag of tags) {
    const version = semver.valid(tag, { loose: false }) ?? semver.valid(tag.replace(/^v/, ''));
    if (!version || semver.prerelease(version)) continue;
    if (!best || semver.gt(version, best.version) || (semver.eq(version, best.version) && tag < best.tag)) best = { tag, version };
  }
  return best?.tag;
}
