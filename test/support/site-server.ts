// A real listening Opus site server (the one `opus server` runs, fast path included) on 127.0.0.1 over a real artifact store, for serving tests.
import { join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { readSecret } from '../../src/adapters/secrets/read-secret.js';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import type { ConfigSource } from '../../src/ports/git-sources.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { writeFiles } from './fixtures.js';
import { syncServiceFor } from './sync-wiring.js';

export interface SiteServer {
  url: string;
  store: FsArtifactStore;
  sites: SiteTable;
  publish(project: string, version: string, files: Record<string, string | Buffer>): Promise<void>;
  close(): Promise<void>;
}

export const siteOptions = (overrides: Partial<SiteOptions> = {}): SiteOptions => ({ spa: false, redirects: [], headers: [], ...overrides });

/** Only the HTTP side is real here: builds and the config repo are not used by these tests. */
export async function startSiteServer(root: string): Promise<SiteServer> {
  const store = new FsArtifactStore(join(root, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(1);
  const unusedConfig: ConfigSource = { fetch: () => Promise.reject(new Error('no config repo in serving tests')) };
  const unused = undefined as never;
  const builds = new BuildService(store, unused, unused, silentLogger);
  const sync = syncServiceFor({ config: unusedConfig, sources: unused, store, builds, queue, sites, logger: silentLogger });
  const server = createOpusServer({ sync, sites, store, queue, logger: silentLogger, secrets: readSecret });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    sites,
    async publish(project, version, files) {
      const staging = await store.createStaging(project, version);
      await writeFiles(staging, files);
      await store.publish(project, version, staging);
    },
    close: () => server.close(0),
  };
}
