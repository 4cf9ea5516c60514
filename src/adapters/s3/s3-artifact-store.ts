// The artifact tree in an S3 bucket (or any S3-compatible store): each build of a version under a
// prefix of its own, named by the version's marker (s3-version-layout.ts). Bookkeeping lives under
// <prefix>.opus/: the markers, the live pointers (.opus/live.json), build records and finished build
// logs. S3 has no rename, so the marker is what makes a version exist: it is written after every
// file and the archive, and deleted before them. With a term (the sync Lease's), every write of
// shared state is fenced by it (domain/fencing.ts): a replica that lost the Lease cannot publish
// over, or record over, what its successor wrote. Builds stage and log on a local directory, as
// with the filesystem store.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import { UserError } from '../../domain/errors.js';
import { checkTerm, writerTerm } from '../../domain/fencing.js';
import { isProjectName, isVersion } from '../../domain/names.js';
import type { BuiltVersion } from '../../domain/plan.js';
import type { BuildLimits } from '../../domain/build-limits.js';
import type { ArtifactStore, BuildRecord, LivePointer, ServingSettings } from '../../ports/artifact-store.js';
import type { PublishedStats, Staging } from '../../ports/version-store.js';
import { confineOutput } from '../fs/confine-output.js';
import { createLocalStaging } from '../fs/local-staging.js';
import type { PublishedVersion, VersionSource } from '../../ports/version-source.js';
import { LocalBuildLogs } from '../fs/local-build-logs.js';
import { StoredPointers } from '../stored-pointers.js';
import type { S3Objects, TaggedText } from './s3-objects.js';
import { abandonedObjects, archiveKey, filesPrefix, markerKey, META, newBuildId, objectsOf, type VersionMarker } from './s3-version-layout.js';
import { pool } from '../work-pool.js';
import { writeReproducibleArchive } from '../reproducible-archive.js';

const UPLOADS_AT_ONCE = 8;
/** What a sweep takes: uploads and objects no marker names, untouched this long (an upload under way elsewhere writes more often). */
export const ABANDONED_AFTER_MS = 30 * 60_000;

export class S3ArtifactStore implements ArtifactStore, VersionSource {
  readonly root: string;
  private readonly listeners: ((project: string, version: string) => void)[] = [];
  private readonly pointers: StoredPointers;
  readonly logs: LocalBuildLogs;

  /** `localDir` holds staging directories and logs while builds run. With `term` (the sync Lease's, see Leadership.term), every write of shared state is fenced by it. */
  constructor(
    private readonly s3: S3Objects,
    private readonly localDir: string,
    private readonly term?: () => number | undefined,
  ) {
    this.root = `s3://${s3.location.bucket}/${s3.location.prefix}`;
    this.logs = new LocalBuildLogs(join(localDir, 'logs'));
    this.pointers = new StoredPointers({ read: (name) => s3.getText(`${META}/${name}`), write: async (name, text) => void (await s3.putText(`${META}/${name}`, text)), update: async (name, change) => void (await s3.update(`${META}/${name}`, change)) }, term);
  }

  /** Projects with a built version (from the markers: no delimiter listing, which S3-compatible servers get wrong). */
  async listProjects(): Promise<string[]> {
    const markers = await this.s3.list(`${META}/versions/`);
    return [...new Set(markers.map((m) => m.path.split('/')[2] ?? ''))].filter(isProjectName).sort();
  }

  async listBuilt(project: string): Promise<BuiltVersion[]> {
    const markers = await this.s3.list(`${META}/versions/${project}/`);
    return markers
      .map((m) => ({ version: m.path.slice(`${META}/versions/${project}/`.length).replace(/\.json$/, ''), builtAt: m.modified }))
      .filter((v) => isVersion(v.version) && !v.version.includes('/'));
  }

  /** Every published version with its marker's ETag, in one listing: a rebuild rewrites the marker, so the stamp changes. */
  async listPublished(): Promise<PublishedVersion[]> {
    const markers = await this.s3.list(`${META}/versions/`);
    return markers.flatMap((m) => {
      const [, , project = '', file = '', ...rest] = m.path.split('/');
      const version = file.replace(/\.json$/, '');
      return rest.length === 0 && file.endsWith('.json') && isProjectName(project) && isVersion(version) ? [{ project, version, stamp: m.etag }] : [];
    });
  }

  /** Downloads the files the marker lists into `dir` (a replica's mirror); undefined when the version is gone. */
  async download(project: string, version: string, dir: string): Promise<string | undefined> {
    const tagged = await this.s3.getTagged(markerKey(project, version));
    if (!tagged) return undefined;
    const marker = JSON.parse(tagged.text) as VersionMarker;
    const prefix = filesPrefix(project, version, marker.build);
    let complete = true;
    await pool(marker.files, UPLOADS_AT_ONCE, async (file) => {
      const target = join(dir, file);
      // The marker is written by this store, but a path must still never leave the directory.
      if (relative(dir, target).split(/[\\/]/)[0] === '..') throw new Error(`the marker of ${project}@${version} lists a path outside the version: ${file}`);
      await mkdir(dirname(target), { recursive: true });
      if (!(await this.s3.download(prefix + file, target))) complete = false;
      // Markers of the layout before named no build: a rebuild overwrote their files in place before the marker.
      else if (marker.sha256?.[file] !== undefined && (await sha256Of(target)) !== marker.sha256[file]) complete = false;
    });
    // A file missing means the version was removed or rebuilt (its old build deleted) meanwhile: the caller tries again later.
    return complete ? tagged.etag : undefined;
  }

  onVersionChange(listener: (project: string, version: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(project: string, version: string): void {
    for (const listener of this.listeners) listener(project, version);
  }

  createStaging(project: string, version: string): Promise<Staging> {
    return createLocalStaging(join(this.localDir, 'staging'), project, version, (dir, limits) => this.publish(project, version, dir, limits));
  }

  /**
   * Uploads every file and the archive under a prefix of this build's own, then one conditional
   * write of the marker makes the build the version: until then it does not exist for anyone, and a
   * rebuild never touches the objects of the build a replica may be reading. Those go after.
   */
  private async publish(project: string, version: string, stagingDir: string, limits?: BuildLimits): Promise<PublishedStats> {
    const { notes } = await confineOutput(stagingDir, limits);
    const files = (await readdir(stagingDir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => relative(stagingDir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
    if (files.length === 0) throw new UserError(`the build of ${project}@${version} produced no files in its output directory`);
    const what = `${project}@${version}`;
    const term = writerTerm(this.term, what);
    // Refused before any upload when a later leader published the version already.
    checkTerm((await this.s3.getTagged(markerKey(project, version)))?.term, term, what);
    const build = newBuildId();
    const prefix = filesPrefix(project, version, build);
    let bytes = 0;
    const sha256: Record<string, string> = {};
    // Created, never overwritten: the keys are this build's alone.
    const written = { condition: { ifNoneMatch: '*' as const }, ...(term === undefined ? {} : { term }) };
    await pool(files, UPLOADS_AT_ONCE, async (file) => {
      const path = join(stagingDir, file);
      const size = (await stat(path)).size;
      bytes += size;
      sha256[file] = await sha256Of(path);
      await this.s3.putFile(prefix + file, path, size, { ...written, contentType: mime.contentType(extname(file)) || 'application/octet-stream' });
    });
    const archive = join(stagingDir, '..', 'archive.tar.gz');
    await writeReproducibleArchive(stagingDir, archive);
    await this.s3.putFile(archiveKey(project, version, build), archive, (await stat(archive)).size, { ...written, contentType: 'application/gzip' });
    const marker: VersionMarker = { version, files, bytes, publishedAt: new Date().toISOString(), sha256, build };
    const replaced = await this.writeFenced(markerKey(project, version), `${JSON.stringify(marker)}\n`, term, what).catch(async (error: unknown) => {
      await this.s3.delete(objectsOf(project, marker)).catch(() => undefined);
      throw error;
    });
    this.changed(project, version);
    if (replaced) await this.s3.delete(objectsOf(project, JSON.parse(replaced.text) as VersionMarker));
    return { files: files.length, bytes, notes };
  }

  /** Writes the document in `term`, if-match what it read; refused (FencedWrite) over one a later term wrote. What it replaced. */
  private writeFenced(path: string, text: string, term: number | undefined, what: string): Promise<TaggedText | undefined> {
    return this.s3.update(path, (_text, current) => {
      checkTerm(current?.term, term, what);
      return text;
    }, 'application/json', term);
  }

  /**
   * What killed processes and cut-short cleanups left in the bucket: multipart uploads never
   * completed, and objects of builds no marker names, untouched for `olderThanMs` by `now`. Counts.
   */
  async sweepAbandoned(olderThanMs = ABANDONED_AFTER_MS, now = Date.now()): Promise<{ uploads: number; objects: number }> {
    const before = now - olderThanMs;
    const uploads = await this.s3.abortUploadsBefore(before);
    const markers = new Map<string, VersionMarker>();
    for (const { project, version } of await this.listPublished()) {
      const text = await this.s3.getText(markerKey(project, version));
      if (text !== undefined) markers.set(`${project}/${version}`, JSON.parse(text) as VersionMarker);
    }
    const objects = abandonedObjects(await this.s3.list(''), markers, before);
    await this.s3.delete(objects);
    return { uploads, objects: objects.length };
  }

  /** The marker goes first, so the version vanishes at once; its objects (of every build) follow. */
  async remove(project: string, version: string): Promise<void> {
    const what = `${project}@${version}`;
    const term = writerTerm(this.term, what);
    checkTerm((await this.s3.getTagged(markerKey(project, version)))?.term, term, what);
    await this.s3.delete([markerKey(project, version)]);
    this.changed(project, version);
    const objects = [...(await this.s3.list(filesPrefix(project, version, undefined))), ...(await this.s3.list(`${project}/archive/${version}/`))];
    await this.s3.delete([...objects.map((o) => o.path), archiveKey(project, version, undefined)]);
  }

  /** The archive of the build the marker names; read again once if a rebuild moved the marker between the two reads. */
  async openArchive(project: string, version: string): Promise<{ stream: Readable; bytes: number } | undefined> {
    for (let attempt = 1; ; attempt++) {
      const text = await this.s3.getText(markerKey(project, version));
      if (text === undefined) return undefined;
      const archive = await this.s3.open(archiveKey(project, version, (JSON.parse(text) as VersionMarker).build));
      if (archive || attempt === 2) return archive;
    }
  }

  readLive(): Promise<Record<string, LivePointer>> {
    return this.pointers.readLive();
  }

  readServing(): Promise<ServingSettings> {
    return this.pointers.readServing();
  }

  writeServing(settings: ServingSettings): Promise<void> {
    return this.pointers.writeServing(settings);
  }

  /** One writer of live.json, the replica that holds the sync Lease; a compare-and-swap besides (StoredPointers). */
  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void> {
    return this.pointers.setLive(project, pointer);
  }

  async readBuild(project: string, version: string): Promise<BuildRecord | undefined> {
    const text = await this.s3.getText(this.buildKey(project, version));
    return text === undefined ? undefined : (JSON.parse(text) as BuildRecord);
  }

  /** Fenced like a publish. A finished build's log goes to the bucket with its record, so it outlives this machine. */
  async writeBuild(record: BuildRecord): Promise<void> {
    const what = `the build record of ${record.project}@${record.version}`;
    await this.writeFenced(this.buildKey(record.project, record.version), `${JSON.stringify(record, null, 2)}\n`, writerTerm(this.term, what), what);
    const log = this.logPath(record.project, record.version);
    if (record.status !== 'queued' && record.status !== 'running' && existsSync(log)) {
      await this.s3.putText(`${META}/logs/${record.project}/${record.version}.log`, await readFile(log, 'utf8'), 'text/plain; charset=utf-8');
    }
  }

  async listBuilds(): Promise<BuildRecord[]> {
    const keys = (await this.s3.list(`${META}/builds/`)).filter((o) => o.path.endsWith('.json'));
    const records = await Promise.all(keys.map(async (o) => this.s3.getText(o.path)));
    return records.filter((t): t is string => t !== undefined).map((t) => JSON.parse(t) as BuildRecord);
  }

  /** A running build's log is a local file, uploaded with its finished record. */
  logPath(project: string, version: string): string {
    return this.logs.path(project, version);
  }

  private buildKey(project: string, version: string): string {
    return `${META}/builds/${project}/${version}.json`;
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
