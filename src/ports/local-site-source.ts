/**
 * Versions as local files, for the site handler: only a filesystem store (the artifact tree, or a
 * replica's mirror of a shared store) has them. Paths are absolute; a version never changes.
 */
export interface LocalSiteSource {
  /** Directory of a version (complete once it exists). */
  versionDir(project: string, version: string): string;
  projectDir(project: string): string;
  /** Whether the version is there; synchronous, as the request path needs it (a local stat). */
  hasVersion(project: string, version: string): boolean;
  /** Names of the versions of a project that are there (for preview host names). */
  versionNames(project: string): string[];
  /** Path of the precompressed variant of a content (by its sha256), made at publish time. */
  variantPath(hash: string, coding: 'br' | 'gzip'): string;
  /** Called after a version is published or removed, so caches of its files can be dropped. */
  onVersionChange(listener: (project: string, version: string) => void): void;
}
