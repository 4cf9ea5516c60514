// Where a version's objects are in the bucket. Each build is uploaded under a prefix of its own,
//   <prefix><project>/<version>/<build>/…                 the built output of one build
//   <prefix><project>/archive/<version>/<build>.tar.gz    its archive
// and the version's marker (.opus/versions/<project>/<version>.json) names the build that is the
// version: one conditional write of it switches a rebuild in, so a replica mirroring the old build
// never reads a file the new one overwrote. A marker written before builds had prefixes names none:
// its files are at <project>/<version>/… and its archive at <project>/archive/<version>.tar.gz. Pure.
import { randomUUID } from 'node:crypto';

export const META = '.opus';

export interface VersionMarker {
  version: string;
  files: string[];
  bytes: number;
  publishedAt: string;
  /** sha256 of each file as this build made it: a download takes only files of this very build. */
  sha256?: Record<string, string>;
  /** The build whose objects are the version (absent in markers of the layout before). */
  build?: string;
}

/** A fresh build id: time first, so a bucket listing shows builds in order. */
export function newBuildId(now = Date.now()): string {
  return `${now.toString(36)}-${randomUUID().slice(0, 8)}`;
}

export function markerKey(project: string, version: string): string {
  return `${META}/versions/${project}/${version}.json`;
}

/** The prefix a build's files are under. */
export function filesPrefix(project: string, version: string, build: string | undefined): string {
  return build ? `${project}/${version}/${build}/` : `${project}/${version}/`;
}

export function archiveKey(project: string, version: string, build: string | undefined): string {
  return build ? `${project}/archive/${version}/${build}.tar.gz` : `${project}/archive/${version}.tar.gz`;
}

/** Every object of the build a marker names: its files and its archive. */
export function objectsOf(project: string, marker: VersionMarker): string[] {
  return [...marker.files.map((f) => filesPrefix(project, marker.version, marker.build) + f), archiveKey(project, marker.version, marker.build)];
}

/**
 * Objects no marker names (a build superseded by a rebuild whose cleanup was cut short, an upload
 * a killed process left, a removal cut short), grouped by build: a group goes only when its newest
 * object is older than `before`, so an upload still under way elsewhere is never taken apart.
 * `markers`: every marker, by "<project>/<version>". Paths outside the version tree are ignored.
 */
export function abandonedObjects(objects: { path: string; modified: number }[], markers: Map<string, VersionMarker>, before: number): string[] {
  const kept = new Set([...markers].flatMap(([key, marker]) => objectsOf(key.split('/')[0] ?? '', marker)));
  const groups = new Map<string, { paths: string[]; newest: number }>();
  for (const { path, modified } of objects) {
    if (path.startsWith(`${META}/`) || kept.has(path)) continue;
    const group = groupOf(path);
    if (group === undefined) continue;
    const entry = groups.get(group) ?? { paths: [], newest: 0 };
    entry.paths.push(path);
    entry.newest = Math.max(entry.newest, modified);
    groups.set(group, entry);
  }
  return [...groups.values()].filter((g) => g.newest < before).flatMap((g) => g.paths);
}

/** "<project>/<version>/<build>" for a build's file or archive; a file of the layout before is a group alone. */
function groupOf(path: string): string | undefined {
  const [project, second, third, fourth, ...rest] = path.split('/');
  if (!project || !second || !third) return undefined;
  if (second === 'archive') return fourth !== undefined && rest.length === 0 ? `${project}/${third}/${fourth.replace(/\.tar\.gz$/, '')}` : path;
  return `${project}/${second}/${third}`;
}
