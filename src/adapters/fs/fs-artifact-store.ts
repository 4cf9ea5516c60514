// The artifact tree on a filesystem, exactly as promised to users:
//   <root>/<project>/<version>/…                  the built output
//   <root>/<project>/archive/<version>.tar.gz     the same output, archived (reproducible-archive.ts)
// `archive` is no valid version name. A version published before archives were stored again has
// none; its tar.gz is packed when asked for (version-archive.ts). Opus's bookkeeping lives in
// <root>/.opus/, a name no project can have.
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UserError } from '../../domain/errors.js';
import { isProjectName, isVersion } from '../../domain/names.js';
import type { BuiltVersion } from '../../domain/plan.js';
import type { BuildLimits } from '../../domain/build-limits.js';
import type { ArtifactStore, BuildRecord, LivePointer, ServingSettings } from '../../ports/artifact-store.js';
import type { PublishedStats, Staging } from '../../ports/version-store.js';
import type { LocalSiteSource } from '../../ports/local-site-source.js';
import { StoredPointers } from '../stored-pointers.js';
import { writeFileAtomic } from './atomic-write.js';
import { ContentStore } from './content-store.js';
import { Turns } from '../turns.js';
import { Leftovers } from './leftovers.js';
import { LocalBuildLogs } from './local-build-logs.js';
import { confineOutput } from './confine-output.js';
import { createLocalStaging } from './local-staging.js';
import { archiveOf } from './version-archive.js';
import { writeReproducibleArchive } from '../reproducible-archive.js';

/** The directory of a project's archives, beside its versions. */
const ARCHIVES = 'archive';

export class FsArtifactStore implements ArtifactStore, LocalSiteSource {
  private readonly meta: string;
  private readonly content: ContentStore;
  private readonly listeners: ((project: string, version: string) => void)[] = [];
  private readonly pointers: StoredPointers;
  private readonly leftovers: Leftovers;
  /** Placing an archive and its version, and discarding archives without a version, take turns. */
  private readonly archiveTurns = new Turns();
  readonly logs: LocalBuildLogs;

  constructor(readonly root: string) {
    this.meta = join(root, '.opus');
    this.content = new ContentStore(join(this.meta, 'cas'));
    this.logs = new LocalBuildLogs(join(this.meta, 'logs'));
    this.leftovers = new Leftovers(join(this.meta, 'leftovers'));
    this.pointers = new StoredPointers({
      read: async (name) => (existsSync(join(this.meta, name)) ? readFile(join(this.meta, name), 'utf8') : undefined),
      write: (name, text) => writeFileAtomic(join(this.meta, name), text),
    });
  }

  async listProjects(): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isProjectName(e.name)).map((e) => e.name).sort();
  }

  async listBuilt(project: string): Promise<BuiltVersion[]> {
    const dir = join(this.root, project);
    if (!existsSync(dir)) return [];
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && isVersion(e.name));
    return Promise.all(entries.map(async (e) => ({ version: e.name, builtAt: (await stat(join(dir, e.name))).mtimeMs })));
  }

  onVersionChange(listener: (project: string, version: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(project: string, version: string): void {
    for (const listener of this.listeners) listener(project, version);
  }

  versionDir(project: string, version: string): string {
    return join(this.root, project, version);
  }

  projectDir(project: string): string {
    return join(this.root, project);
  }

  hasVersion(project: string, version: string): boolean {
    return isVersion(version) && existsSync(this.versionDir(project, version));
  }

  versionNames(project: string): string[] {
    const dir = this.projectDir(project);
    return existsSync(dir) ? readdirSync(dir).filter((name) => isVersion(name)) : [];
  }

  variantPath(hash: string, coding: 'br' | 'gzip'): string {
    return this.content.pathOf(hash, coding);
  }

  /**
   * At start, before serving: what a killed server left half done (staging directories of builds
   * and downloads, versions renamed aside, archive snapshots) is set aside, one rename each, for
   * sweepAbandoned. Only one server uses a store's directory.
   */
  setAsideAbandoned(): Promise<void> {
    return this.leftovers.setAside(['staging', 'trash', 'snapshots'].map((dir) => join(this.meta, dir)));
  }

  /**
   * After serving started, in the background: deletes what was set aside, archives without a
   * version, and the contents only those held. What this start's builds use is never taken: they
   * stage in fresh directories, archives are looked at in turns with placing one, and contents
   * are collected in turns with publishing (see ContentStore.collectGarbage).
   */
  async sweepAbandoned(signal?: AbortSignal): Promise<{ leftovers: number; archives: number; contents: number }> {
    const leftovers = await this.leftovers.sweep();
    const archives = await this.discardOrphanArchives();
    return { leftovers, archives, contents: await this.content.collectGarbage(signal) };
  }

  /** Archives whose version never appeared (killed between the two renames of publish) or is gone. */
  private async discardOrphanArchives(): Promise<number> {
    let count = 0;
    for (const project of await this.listProjects()) {
      const dir = join(this.projectDir(project), ARCHIVES);
      count += await this.archiveTurns.take(async () => {
        const names = existsSync(dir) ? await readdir(dir) : [];
        const orphans = names.filter((name) => !name.endsWith('.tar.gz') || !this.hasVersion(project, name.slice(0, -'.tar.gz'.length)));
        await Promise.all(orphans.map((name) => rm(join(dir, name), { force: true })));
        return orphans.length;
      });
    }
    return count;
  }

  async createStaging(project: string, version: string): Promise<Staging> {
    const staging = await createLocalStaging(join(this.meta, 'staging'), project, version, (dir, limits) => this.publish(project, version, dir, limits));
    // A build that fails after its output was absorbed takes the contents only it held with it.
    return { ...staging, discard: () => this.content.discardTree(join(staging.dir, '..')).then(() => undefined) };
  }

  /**
   * Stores contents once (hard links into the content store, with compressed variants), renames
   * its archive into place, then one rename: the version directory appears complete (its archive
   * already beside it) or not at all. A rebuild of a version replaces both the same way (see
   * moveIntoPlace); a download already reading the old archive keeps reading it whole.
   */
  private async publish(project: string, version: string, stagingDir: string, limits?: BuildLimits): Promise<PublishedStats> {
    const stats = await confineOutput(stagingDir, limits);
    if (stats.files === 0) throw new UserError(`the build of ${project}@${version} produced no files in its output directory`);
    await this.content.absorb(stagingDir);
    const archive = join(stagingDir, '..', 'archive.tar.gz');
    await writeReproducibleArchive(stagingDir, archive);
    // Between the two renames the archive has no version yet: a sweep of orphan archives waits, and
    // a removal of the project's last version does not take the directories away meanwhile.
    const replaced = await this.archiveTurns.take(async () => {
      await mkdir(join(this.projectDir(project), ARCHIVES), { recursive: true });
      await rename(archive, this.archivePath(project, version));
      return this.moveIntoPlace(project, version, stagingDir).catch(async (error: unknown) => {
        // No archive without its version: a rebuilt version that kept its old build is packed on request.
        await rm(this.archivePath(project, version), { force: true });
        throw error;
      });
    });
    this.changed(project, version);
    if (replaced) await this.content.discardTree(replaced);
    return stats;
  }

  /**
   * A new version: one rename. A rebuilt one: the old directory is renamed aside and the new one
   * renamed in right after, with no other I/O between, so a reader finds the old version whole or
   * the new one whole (and for that instant, neither). Returns where the old one went.
   */
  private async moveIntoPlace(project: string, version: string, stagingDir: string): Promise<string | undefined> {
    const target = this.versionDir(project, version);
    if (!existsSync(target)) {
      await mkdir(this.projectDir(project), { recursive: true });
      await rename(stagingDir, target);
      return undefined;
    }
    const aside = join(this.meta, 'trash', `${project}@${version}-${randomUUID()}`);
    await mkdir(join(this.meta, 'trash'), { recursive: true });
    await rename(target, aside);
    await rename(stagingDir, target);
    return aside;
  }

  async remove(project: string, version: string): Promise<void> {
    // Rename away first so the version vanishes at once, then delete at leisure.
    const trash = join(this.meta, 'trash', `${project}@${version}-${randomUUID()}`);
    await mkdir(join(this.meta, 'trash'), { recursive: true });
    if (existsSync(this.versionDir(project, version))) await rename(this.versionDir(project, version), trash);
    this.changed(project, version);
    await this.archiveTurns.take(async () => {
      await rm(this.archivePath(project, version), { force: true });
      // Its last version gone, the project leaves no empty archive/ or project directory behind.
      for (const dir of [join(this.projectDir(project), ARCHIVES), this.projectDir(project)]) await rmdir(dir).catch(() => undefined);
    });
    await this.content.discardTree(trash);
  }

  archivePath(project: string, version: string): string {
    return join(this.projectDir(project), ARCHIVES, `${version}.tar.gz`);
  }

  /**
   * The stored archive, opened first so a removal or rebuild meanwhile cannot cut it short (an
   * archive exists only with its version: see publish, sweepAbandoned); a version published
   * before archives were stored gets one packed now.
   */
  async openArchive(project: string, version: string): Promise<{ stream: Readable; bytes?: number } | undefined> {
    const file = await open(this.archivePath(project, version)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (file) return { stream: createReadStream('', { fd: file }), bytes: (await file.stat()).size };
    const stream = await archiveOf(this.versionDir(project, version), join(this.meta, 'snapshots'));
    return stream && { stream };
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

  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void> {
    return this.pointers.setLive(project, pointer);
  }

  private buildPath(project: string, version: string): string {
    return join(this.meta, 'builds', project, `${version}.json`);
  }

  async readBuild(project: string, version: string): Promise<BuildRecord | undefined> {
    const path = this.buildPath(project, version);
    return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as BuildRecord) : undefined;
  }

  async writeBuild(record: BuildRecord): Promise<void> {
    await writeFileAtomic(this.buildPath(record.project, record.version), `${JSON.stringify(record, null, 2)}\n`);
  }

  async listBuilds(): Promise<BuildRecord[]> {
    const dir = join(this.meta, 'builds');
    if (!existsSync(dir)) return [];
    const records: BuildRecord[] = [];
    for (const project of await readdir(dir)) {
      for (const file of await readdir(join(dir, project))) {
        if (file.endsWith('.json')) records.push(JSON.parse(await readFile(join(dir, project, file), 'utf8')) as BuildRecord);
      }
    }
    return records;
  }

  /** Where a build's log file is (`opus trigger` prints it). */
  logPath(project: string, version: string): string {
    return this.logs.path(project, version);
  }
}
