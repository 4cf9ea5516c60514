// Project names and versions become path segments (<root>/<project>/<version>) and, for previews,
// DNS labels; so both are checked here, once, for every place that uses them.

/** A DNS label: lowercase letters, digits and inner hyphens, at most 63 characters. */
const PROJECT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A git tag that is also one safe path segment. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Names that the server uses for its own routes, so no project can shadow them. */
export const RESERVED_PROJECT_NAMES = new Set(['api', 'hooks', 'healthz', 'readyz', 'metrics', 'opus']);
/** `archive` holds a project's tarballs beside its versions. */
export const RESERVED_VERSIONS = new Set(['archive', 'latest']);

export function projectNameProblem(name: string): string | undefined {
  if (!PROJECT_NAME.test(name)) {
    return `"${name}" is not a valid project name: use lowercase letters, digits and inner hyphens (at most 63), e.g. "my-site"`;
  }
  if (RESERVED_PROJECT_NAMES.has(name)) return `"${name}" is reserved by Opus; pick another project name`;
  return undefined;
}

export function versionProblem(version: string): string | undefined {
  if (!VERSION.test(version) || version.includes('..')) {
    return `"${version}" cannot be a version: use a git tag made of letters, digits, ".", "_", "+" and "-" (no "/"), e.g. "1.2.0"`;
  }
  if (RESERVED_VERSIONS.has(version)) return `"${version}" is reserved and cannot be a built version`;
  return undefined;
}

/**
 * A preview build is keyed by its commit: `sha-` and 12 hex digits. Git tags of that shape are
 * refused as versions to deploy or prebuild, so a preview can never collide with a tag's version.
 */
const PREVIEW_VERSION = /^sha-[0-9a-f]{12}$/;
export const PREVIEW_VERSION_PREFIX = 'sha-';

export function isPreviewVersion(version: string): boolean {
  return PREVIEW_VERSION.test(version);
}

/** The version a preview build of `commit` (40 or 64 hex digits) is published as. */
export function previewVersion(commit: string): string {
  return `${PREVIEW_VERSION_PREFIX}${commit.toLowerCase().slice(0, 12)}`;
}

/** A version that a tag names (deploy, prebuild, trigger): any version but the preview shape. */
export function tagVersionProblem(version: string): string | undefined {
  const problem = versionProblem(version);
  if (problem) return problem;
  if (version.startsWith(PREVIEW_VERSION_PREFIX)) return `"${version}" starts with "${PREVIEW_VERSION_PREFIX}", which Opus keeps for preview builds of commits; tag the release another way`;
  return undefined;
}

export function isProjectName(name: string): boolean {
  return projectNameProblem(name) === undefined;
}

export function isVersion(version: string): boolean {
  return versionProblem(version) === undefined;
}

export function buildKey(project: string, version: string): string {
  return `${project}@${version}`;
}
