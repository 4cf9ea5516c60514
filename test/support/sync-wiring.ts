// A SyncService wired as the composition root (runtime/start-server.ts) wires it: with the one
// BuildScheduler over the same queue, build service and store.
import { BuildScheduler } from '../../src/services/build-scheduler.js';
import { SyncService, type SyncDeps } from '../../src/services/sync-service.js';

export function syncServiceFor(deps: Omit<SyncDeps, 'scheduler'>): SyncService {
  const { queue, builds, store, logger, events } = deps;
  return new SyncService({ ...deps, scheduler: new BuildScheduler({ queue, builds, store, logger, ...(events ? { events } : {}) }) });
}
