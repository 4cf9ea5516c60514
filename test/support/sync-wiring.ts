// A SyncService wired as the composition root (runtime/start-server.ts) wires it: with the one
// BuildScheduler over the same queue, build service and store, handed back beside it as the
// builds API and the trigger service take it.
import type { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import type { ConfigSource } from '../../src/ports/git-sources.js';
import type { ControlDeps } from '../../src/server/app-deps.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import type { SiteTable } from '../../src/services/site-table.js';
import { BuildScheduler } from '../../src/services/build-scheduler.js';
import { SyncService, type SyncDeps } from '../../src/services/sync-service.js';

export function syncWiring(deps: Omit<SyncDeps, 'scheduler'>): { sync: SyncService; scheduler: BuildScheduler } {
  const { queue, builds, store, logger, events } = deps;
  const scheduler = new BuildScheduler({ queue, builds, store, logger, ...(events ? { events } : {}) });
  return { sync: new SyncService({ ...deps, scheduler }), scheduler };
}

/**
 * The API's deps for tests that ask the API but never build: the config repo is `config` (by
 * default one that cannot be fetched) and nothing that builds is ever called.
 */
export function idleControl(store: FsArtifactStore, sites: SiteTable, config: ConfigSource = { fetch: () => Promise.reject(new Error('no config repo in this test')) }): Pick<ControlDeps, 'sync' | 'scheduler' | 'store' | 'queue'> {
  const queue = new BuildQueue(1);
  const unused = undefined as never;
  const { sync, scheduler } = syncWiring({ config, sources: unused, store, builds: new BuildService(store, unused, unused, silentLogger), queue, sites, logger: silentLogger });
  return { sync, scheduler, store, queue };
}
