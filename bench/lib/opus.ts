// The real Opus pieces the benchmarks drive: FsArtifactStore (createStaging → write → publish),
// SiteTable for the live pointer, and the server `opus server` runs (createOpusServer) on a real
// listening socket, with its responses counted for /metrics.
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { silentLogger } from '../../src/services/logger.js';
import { Metrics } from '../../src/services/metrics.js';
import { SiteTable } from '../../src/services/site-table.js';

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
  // As `opus server` does: the fast path in front of node:http, every response counted for /metrics.
  // The same URLs as nginx's (/site/…): the path-style opt-in on 127.0.0.1, a host that is not the dashboard's.
  const origins = { dashboardHosts: ['opus.localhost'], sitesDomain: 'localhost', pathHosts: ['127.0.0.1'] };
  const opus = createOpusServer({ sites, store, logger: silentLogger, metrics: new Metrics(queue), origins });
  const { port: listening } = await opus.listen(port, '127.0.0.1');
  return { port: listening, server: opus.server, store, sites, close: () => opus.close(0) };
}

