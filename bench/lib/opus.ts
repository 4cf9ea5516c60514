// The real Opus pieces the benchmarks drive: FsArtifactStore (createStaging → write → publish),
// SiteTable for the live pointer, and the server `opus server` runs (createOpusServer) on a real
// listening socket, with its responses counted for /metrics.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import type { BuildRunner } from '../../src/ports/build-runner.js';
import type { ConfigSource, SourceRepos } from '../../src/ports/git-sources.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildScheduler } from '../../src/services/build-scheduler.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { Metrics } from '../../src/services/metrics.js';
import { SiteTable } from '../../src/services/site-table.js';
import { SyncService } from '../../src/services/sync-service.js';

export type SiteFilesMap = Record<string, string | Buffer>;

export const plainSite: SiteOptions = { spa: false, redirects: [], headers: [] };

/** Publishes one version through the real store, exactly as a build does. Returns the version directory. */
export async function publishVersion(store: FsArtifactStore, project: string, version: string, files: SiteFilesMap): Promise<string> {
  const stage = await store.createStaging(project, version);
  const staging = stage.dir;
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(staging, path)), { recursive: true });
    await writeFile(join(staging, path), content);
  }
  await stage.publish();
  return store.versionDir(project, version);
}

export interface OpusServer {
  port: number;
  server: Server;
  store: FsArtifactStore;
  sites: SiteTable;
  close(): Promise<void>;
}

/** Opus's site server over an artifact root; only serving is real here (no config repo, no builds). */
export async function startOpus(root: string, port = 0): Promise<OpusServer> {
  const store = new FsArtifactStore(root);
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(1);
  const config: ConfigSource = { fetch: () => Promise.reject(new Error('no config repo in benchmarks')) };
  const sources: SourceRepos = { listTags: async () => new Map(), checkout: () => Promise.reject(new Error('no sources in benchmarks')), checkoutCommit: () => Promise.reject(new Error('no sources in benchmarks')) };
  const runner: BuildRunner = { run: () => Promise.reject(new Error('no builds in benchmarks')) };
  const builds = new BuildService(store, sources, runner, silentLogger);
  const sync = new SyncService({ config, sources, store, builds, queue, sites, logger: silentLogger, scheduler: new BuildScheduler({ queue, builds, store, logger: silentLogger }) });
  // As `opus server` does: the fast path in front of node:http, every response counted for /metrics.
  // The same URLs as nginx's (/site/…): the path-style opt-in on 127.0.0.1, a host that is not the dashboard's.
  const origins = { dashboardHosts: ['opus.localhost'], sitesDomain: 'localhost', pathHosts: ['127.0.0.1'] };
  const opus = createOpusServer({ sync, sites, store, queue, logger: silentLogger, metrics: new Metrics(queue), origins });
  const { port: listening } = await opus.listen(port, '127.0.0.1');
  return { port: listening, server: opus.server, store, sites, close: () => opus.close(0) };
}

/** A port nobody listens on right now (the OS picks it; nginx then binds it). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
