// A real listening Opus site server (the one `opus server` runs, fast path included) on 127.0.0.1 over a real artifact store, for serving tests.
import { join } from 'node:path';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { readSecret } from '../../src/adapters/secrets/read-secret.js';
import type { SiteOptions } from '../../src/domain/desired-state.js';
import type { Origins } from '../../src/domain/origins.js';
import type { ControlDeps } from '../../src/server/app-deps.js';
import { createOpusServer, type TlsServing } from '../../src/server/opus-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { writeFiles } from './fixtures.js';
import { idleControl } from './sync-wiring.js';

export interface SiteServer {
  url: string;
  /** With TLS serving: the HTTPS listener on 127.0.0.1. */
  httpsPort?: number;
  store: FsArtifactStore;
  sites: SiteTable;
  publish(project: string, version: string, files: Record<string, string | Buffer>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Serving tests ask for /<project>/ on 127.0.0.1: the path-style opt-in, on a host that is not the
 * dashboard's (that is opus.localhost here). Host-style routing has tests of its own.
 */
export const PATH_STYLE_ORIGINS: Origins = { dashboardHosts: ['opus.localhost'], sitesDomain: 'localhost', pathHosts: ['127.0.0.1'] };

export const siteOptions = (overrides: Partial<SiteOptions> = {}): SiteOptions => ({ spa: false, redirects: [], headers: [], ...overrides });

/**
 * Only the HTTP side is real here: a server that serves files and nothing else, unless `api` asks
 * for the API too (its archive downloads); builds and the config repo are never used.
 */
export async function startSiteServer(root: string, options: { api?: Pick<ControlDeps, 'archiveIdleMs'>; tls?: TlsServing; http?: number } = {}): Promise<SiteServer> {
  const { tls, http, api } = options;
  const store = new FsArtifactStore(join(root, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const serve = { sites, store, logger: silentLogger, secrets: readSecret, origins: PATH_STYLE_ORIGINS };
  const server = createOpusServer(api ? { ...idleControl(store, sites), ...api, ...serve } : serve, tls);
  const { port } = await server.listen(http ?? 0, '127.0.0.1');
  const httpsPort = server.secure && (await server.secure.listen(0, '127.0.0.1')).port;
  return {
    url: `http://127.0.0.1:${port}`,
    ...(httpsPort ? { httpsPort } : {}),
    store,
    sites,
    async publish(project, version, files) {
      const stage = await store.createStaging(project, version);
      const staging = stage.dir;
      await writeFiles(staging, files);
      await stage.publish();
    },
    close: () => server.close(0),
  };
}
