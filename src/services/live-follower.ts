// Serving on every replica from a local mirror of the shared (S3) artifact store. The live
// pointers are polled often (one small read); a version that became live is mirrored whole
// before the serving table switches to it, so every replica — the one that syncs too — switches
// within a poll interval plus a download of each other. Live and recently live versions are
// prefetched (a rebuild of one is fetched again), and so are current previews' versions; other built versions are not mirrored, and
// versions gone from the store or no longer servable are dropped.
import { liveChanges, mirrorWork, versionKey, type VersionStamp } from '../domain/mirror-plan.js';
import { backoffCeilingMs, type RetryPolicy } from '../domain/backoff.js';
import { errorMessage } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { MirrorLedger } from '../ports/mirror-ledger.js';
import type { VersionSource } from '../ports/version-source.js';
import type { Logger } from './logger.js';
import { recentlyLiveOf, type SiteTable } from './site-table.js';

export interface LiveFollowerDeps {
  source: VersionSource;
  /** The local store the site handler serves from (a FsArtifactStore: variants and dedupe come with it). */
  mirror: ArtifactStore;
  /** The site handler's table, over the mirror. */
  serving: SiteTable;
  ledger: MirrorLedger;
  logger: Logger;
  /** The API's table over the shared store, kept equal to the shared pointers while `when()` (this replica does not sync). */
  follow?: { sites: SiteTable; when: () => boolean };
  /** The versionKeys of current previews (the shared preview ledger): mirrored too, so preview hosts work on every replica. */
  previews?: () => Promise<string[]>;
  livePollMs?: number;
  listPollMs?: number;
}

const RETRY: RetryPolicy = { baseMs: 1_000, factor: 2, capMs: 60_000, maxAttempts: Number.POSITIVE_INFINITY, maxAgeMs: Number.POSITIVE_INFINITY };

export class LiveFollower {
  private stamps = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Versions whose download failed: how often in a row, and not before when to try again. */
  private readonly failing = new Map<string, { count: number; retryAt: number }>();
  private stopped = false;
  private caughtUpOnce = false;
  private readonly ticks = new Set<Promise<unknown>>();

  constructor(private readonly deps: LiveFollowerDeps) {}

  /** Catches up with the live pointers once (so a restarted replica serves what is live), then keeps following. */
  async start(): Promise<void> {
    this.stamps = new Map(Object.entries(await this.deps.ledger.read()));
    await this.followServing().catch(() => undefined);
    await this.followLive().catch((error: unknown) => this.deps.logger.warn('cannot read the shared live pointers yet', { error: errorMessage(error) }));
    this.every(this.deps.livePollMs ?? 250, () => this.followLive());
    this.every(this.deps.listPollMs ?? 3_000, async () => {
      await this.followServing();
      await this.prefetch();
    });
  }

  /** Whether a poll of the live pointers has succeeded: this replica then serves what is live (its readiness). */
  get caughtUp(): boolean {
    return this.caughtUpOnce;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all([...this.ticks, ...this.inFlight.values()]);
  }

  /** One poll of the live pointers: mirror what became live, then switch; unpublish what is no longer live. */
  async followLive(): Promise<void> {
    const { source, serving, follow } = this.deps;
    const shared = await source.readLive();
    if (follow?.when()) follow.sites.adopt(shared);
    const { switches, unpublished } = liveChanges(shared, serving.snapshot());
    // Projects apart: one project's download does not hold back another's switch.
    await Promise.all(switches.map(async ({ project, pointer }) => {
      if (!(await this.mirrored(project, pointer.version, undefined))) return;
      const before = serving.liveVersion(project);
      await serving.set(project, pointer);
      if (before !== pointer.version) this.deps.logger.info('serving a new live version', { project, version: pointer.version, before: before ?? 'none' });
    }));
    for (const project of unpublished) await serving.set(project, undefined);
    this.caughtUpOnce ||= switches.every(({ project, pointer }) => serving.liveVersion(project) === pointer.version);
  }

  /** The preview domain the replica that syncs read from opus.yaml (it changes rarely: polled with the list). */
  async followServing(): Promise<void> {
    const { previewDomain } = await this.deps.source.readServing();
    this.deps.serving.adoptPreviewDomain(previewDomain);
    if (this.deps.follow?.when()) this.deps.follow.sites.adoptPreviewDomain(previewDomain);
  }

  /** One poll of the published versions: download new and rebuilt servable ones, drop the rest. */
  async prefetch(): Promise<void> {
    const { source, mirror, serving } = this.deps;
    // The mirror is listed before the store, so a version mirrored after the store's listing is never taken for a removed one.
    const mirrored = await this.mirroredVersions();
    const published = await source.listPublished();
    const served = new Set(Object.entries(serving.snapshot()).map(([project, site]) => versionKey(project, site.version)));
    const shared = await source.readLive();
    const servable = new Set(Object.entries(shared).flatMap(([project, pointer]) => [pointer.version, ...recentlyLiveOf(pointer)].map((version) => versionKey(project, version))));
    for (const key of (await this.deps.previews?.()) ?? []) servable.add(key);
    const { fetch, drop } = mirrorWork(published, mirrored, served, servable);
    for (const gone of drop) {
      await mirror.remove(gone.project, gone.version);
      this.stamps.delete(versionKey(gone.project, gone.version));
      this.deps.logger.info('dropped a mirrored version gone from the store', { project: gone.project, version: gone.version });
    }
    if (drop.length > 0) await this.saveLedger();
    for (const wanted of fetch) {
      if (this.stopped) return;
      await this.mirrored(wanted.project, wanted.version, wanted.stamp);
    }
  }

  /**
   * Whether the version is in the mirror (downloading it if not, or if `stamp` says it was rebuilt).
   * One download per version at a time, whoever asks.
   */
  private mirrored(project: string, version: string, stamp: string | undefined): Promise<boolean> {
    const key = versionKey(project, version);
    const have = this.stamps.get(key);
    if (have !== undefined && (stamp === undefined || stamp === have)) return Promise.resolve(true);
    const running = this.inFlight.get(key);
    if (running) return running;
    // A version that cannot be mirrored is not downloaded again four times a second.
    if ((this.failing.get(key)?.retryAt ?? 0) > Date.now()) return Promise.resolve(false);
    const download = this.download(project, version).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, download);
    return download;
  }

  private async download(project: string, version: string): Promise<boolean> {
    const { source, mirror, logger } = this.deps;
    const key = versionKey(project, version);
    const staging = await mirror.createStaging(project, version);
    try {
      const started = Date.now();
      const stamp = await source.download(project, version, staging.dir);
      if (stamp === undefined) {
        await staging.discard();
        this.downloadFailed(key, 'a live or published version is not (or no longer) complete in the store', { project, version });
        return false;
      }
      const { files } = await staging.publish();
      this.stamps.set(key, stamp);
      this.failing.delete(key);
      await this.saveLedger();
      logger.info('mirrored a version', { project, version, files, ms: Date.now() - started });
      return true;
    } catch (error) {
      await staging.discard().catch(() => undefined);
      this.downloadFailed(key, 'cannot mirror a version; trying again', { project, version, error: errorMessage(error) });
      return false;
    }
  }

  private async mirroredVersions(): Promise<VersionStamp[]> {
    const { mirror } = this.deps;
    const found: VersionStamp[] = [];
    for (const project of await mirror.listProjects()) {
      for (const { version } of await mirror.listBuilt(project)) found.push({ project, version, stamp: this.stamps.get(versionKey(project, version)) });
    }
    return found;
  }

  private saveLedger(): Promise<void> {
    return this.deps.ledger.write(Object.fromEntries(this.stamps));
  }

  /** A failed download says so once per version until it works, and is tried again after a growing pause (1 s … 1 min). */
  private downloadFailed(key: string, message: string, fields: Record<string, unknown>): void {
    const count = (this.failing.get(key)?.count ?? 0) + 1;
    this.failing.set(key, { count, retryAt: Date.now() + backoffCeilingMs(count, RETRY) });
    if (count === 1) this.deps.logger.warn(message, fields);
  }


  /** Runs `tick` every `ms` after the previous one ended; an error is logged (once until it works again) and the loop goes on. */
  private every(ms: number, tick: () => Promise<void>): void {
    let failed = false;
    const next = () => {
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const run = tick()
          .then(() => (failed = false))
          .catch((error: unknown) => {
            if (!failed) this.deps.logger.warn('cannot follow the shared artifact store; trying again', { error: errorMessage(error) });
            failed = true;
          })
          .finally(() => {
            this.ticks.delete(run);
            next();
          });
        this.ticks.add(run);
      }, ms);
      this.timers.add(timer);
    };
    next();
  }
}
