// The artifact tree in an S3 bucket (or any S3-compatible store), in the layout users were promised:
//   <prefix><project>/<version>/…                  the built output
//   <prefix><project>/archive/<version>.tar.gz     the same output, archived
// Bookkeeping lives under <prefix>.opus/: a version's marker (.opus/versions/<project>/<version>.json),
// the live pointers (.opus/live.json), build records and finished build logs. S3 has no rename, so
// the marker is what makes a version exist: it is written after every file and the archive, and
// deleted before them. Builds stage and log on a local directory, as with the filesystem store.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import { UserError } from '../../domain/errors.js';
import { isProjectName, isVersion } from '../../domain/names.js';
import type { BuiltVersion } from '../../domain/plan.js';
import type { BuildLimits } from '../../domain/build-limits.js';
import type { ArtifactStore, BuildRecord, LivePointer, ServingSettings } from '../../ports/artifact-store.js';
import type { PublishedStats } from '../../ports/version-store.js';
import { confineOutput } from '../fs/confine-output.js';
import type { PublishedVersion, VersionSource } from '../../ports/version-source.js';
import { LocalBuildLogs } from '../fs/local-build-logs.js';
import { StoredPointers } from '../stored-pointers.js';
import type { S3Objects } from './s3-objects.js';
import { pool } from '../work-pool.js';
import { writeReproducibleArchive } from '../reproducible-archive.js';

const META = '.opus';
const ARCHIVE = 'archive';
const UPLOADS_AT_ONCE = 8;

interface VersionMarker {
  version: string;
  files: string[];
  bytes: number;
  publishedAt: string;
  /** sha256 of each file as this build made it: a download takes only files of this very build. */
  sha256?: Record<string, string>;
}

export class S3ArtifactStore implements ArtifactStore, VersionSource {
  readonly root: string;
  private readonly listeners: ((project: string, version: string) => void)[] = [];
  private readonly pointers: StoredPointers;
  private readonly logs: LocalBuildLogs;

  /** `localDir` holds staging directories and logs while builds run. With `term` (the sync Lease's, see Leadership.term), writes of the live pointers are fenced by it. */
  constructor(
    private readonly s3: S3Objects,
    private readonly localDir: string,
    term?: () => number | undefined,
  ) {
    this.root = `s3://${s3.location.bucket}/${s3.location.prefix}`;
    this.logs = new LocalBuildLogs(join(localDir, 'logs'));
    this.pointers = new StoredPointers({ read: (name) => s3.getText(`${META}/${name}`), write: async (name, text) => void (await s3.putText(`${META}/${name}`, text)), update: (name, change) => s3.update(`${META}/${name}`, change) }, term);
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
    const tagged = await this.s3.getTagged(this.markerKey(project, version));
    if (!tagged) return undefined;
    const marker = JSON.parse(tagged.text) as VersionMarker;
    let complete = true;
    await pool(marker.files, UPLOADS_AT_ONCE, async (file) => {
      const target = join(dir, file);
      // The marker is written by this store, but a path must still never leave the directory.
      if (relative(dir, target).split(/[\\/]/)[0] === '..') throw new Error(`the marker of ${project}@${version} lists a path outside the version: ${file}`);
      await mkdir(dirname(target), { recursive: true });
      if (!(await this.s3.download(`${project}/${version}/${file}`, target))) complete = false;
      // A rebuild in place overwrites the files before its marker: a file of another build than the marker's is no part of this version.
      else if (marker.sha256?.[file] !== undefined && (await sha256Of(target)) !== marker.sha256[file]) complete = false;
    });
    // A file missing or of another build means the version was removed or rebuilt meanwhile: the caller tries again later.
    return complete ? tagged.etag : undefined;
  }

  onVersionChange(listener: (project: string, version: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(project: string, version: string): void {
    for (const listener of this.listeners) listener(project, version);
  }

  async createStaging(project: string, version: string): Promise<string> {
    const dir = join(this.localDir, 'staging', `${project}@${version}-${randomUUID()}`);
    await mkdir(join(dir, 'out'), { recursive: true });
    return join(dir, 'out');
  }

  async discardStaging(stagingDir: string): Promise<void> {
    await rm(join(stagingDir, '..'), { recursive: true, force: true });
  }

  /**
   * Uploads every file and the archive, then writes the marker: until then the version does not
   * exist for anyone. A rebuild overwrites the files in place, then drops the files the old build
   * had and the new one has not.
   */
  async publish(project: string, version: string, stagingDir: string, limits?: BuildLimits): Promise<PublishedStats> {
    const { notes } = await confineOutput(stagingDir, limits);
    const files = (await readdir(stagingDir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => relative(stagingDir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
    if (files.length === 0) throw new UserError(`the build of ${project}@${version} produced no files in its output directory`);
    const before = await this.readMarker(project, version);
    let bytes = 0;
    const sha256: Record<string, string> = {};
    await pool(files, UPLOADS_AT_ONCE, async (file) => {
      const path = join(stagingDir, file);
      const size = (await stat(path)).size;
      bytes += size;
      sha256[file] = await sha256Of(path);
      await this.s3.putFile(`${project}/${version}/${file}`, path, size, mime.contentType(extname(file)) || 'application/octet-stream');
    });
    const archive = join(stagingDir, '..', 'archive.tar.gz');
    await writeReproducibleArchive(stagingDir, archive);
    await this.s3.putFile(this.archiveKey(project, version), archive, (await stat(archive)).size, 'application/gzip');
    const marker: VersionMarker = { version, files, bytes, publishedAt: new Date().toISOString(), sha256 };
    await this.s3.putText(this.markerKey(project, version), `${JSON.stringify(marker)}\n`);
    this.changed(project, version);
    await this.discardStaging(stagingDir);
    const stale = (before?.files ?? []).filter((f) => !files.includes(f));
    if (stale.length > 0) await this.s3.delete(stale.map((f) => `${project}/${version}/${f}`));
    return { files: files.length, bytes, notes };
  }

  /** The marker goes first, so the version vanishes at once; its objects follow. */
  async remove(project: string, version: string): Promise<void> {
    await this.s3.delete([this.markerKey(project, version)]);
    this.changed(project, version);
    const objects = await this.s3.list(`${project}/${version}/`);
    await this.s3.delete([...objects.map((o) => o.path), this.archiveKey(project, version)]);
  }

  openArchive(project: string, version: string): Promise<{ stream: Readable; bytes: number } | undefined> {
    return this.s3.open(this.archiveKey(project, version));
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

  /** A finished build's log goes to the bucket with its record, so it outlives this machine. */
  async writeBuild(record: BuildRecord): Promise<void> {
    await this.s3.putText(this.buildKey(record.project, record.version), `${JSON.stringify(record, null, 2)}\n`);
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

  createLog(project: string, version: string): Promise<Writable> {
    return this.logs.createLog(project, version);
  }

  removeLog(project: string, version: string): Promise<void> {
    return this.logs.removeLog(project, version);
  }

  readLog(project: string, version: string, offset?: number, maxBytes?: number): Promise<{ bytes: Buffer; size: number } | undefined> {
    return this.logs.readLog(project, version, offset, maxBytes);
  }

  private archiveKey(project: string, version: string): string {
    return `${project}/${ARCHIVE}/${version}.tar.gz`;
  }

  private markerKey(project: string, version: string): string {
    return `${META}/versions/${project}/${version}.json`;
  }

  private buildKey(project: string, version: string): string {
    return `${META}/builds/${project}/${version}.json`;
  }

  private async readMarker(project: string, version: string): Promise<VersionMarker | undefined> {
    const text = await this.s3.getText(this.markerKey(project, version));
    return text === undefined ? undefined : (JSON.parse(text) as VersionMarker);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
