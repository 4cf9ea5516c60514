// The composition root: config → adapters → services → HTTP server and sync timer.
import { existsSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../adapters/fs/fs-artifact-store.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { GitConfigSource } from '../adapters/git/git-config-source.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { SETTINGS_FILE } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import type { BuildRunner } from '../ports/build-runner.js';
import { createRequestListener } from '../server/app.js';
import { BuildQueue } from '../services/build-queue.js';
import { BuildService } from '../services/build-service.js';
import { initialFiles } from '../services/config-edits.js';
import type { Logger } from '../services/logger.js';
import { SiteTable } from '../services/site-table.js';
import { SyncService } from '../services/sync-service.js';

export interface ServerOptions {
  dataDir: string;
  /** A git URL or path of the config repo; by default <dataDir>/config, made on first start. */
  config?: string;
  port: number;
  host: string;
  /** Overrides opus.yaml's sync.interval. */
  syncIntervalMs?: number;
  logger: Logger;
  runner?: BuildRunner;
  /** Bearer token for the API (never logged); without one, changes are accepted from loopback only. */
  apiToken?: string;
  protectReads?: boolean;
}

export interface RunningServer {
  url: string;
  sync: SyncService;
  queue: BuildQueue;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  const config = options.config ?? (await embeddedConfigRepo(dataDir, logger));
  const store = new FsArtifactStore(join(dataDir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(2);
  const docker = new Docker();
  const runner = options.runner ?? new DockerBuildRunner(docker);
  if (!options.runner) await docker.ping().catch((error: unknown) => logger.warn('no Docker Engine answers: builds will fail until one does', { error: errorMessage(error) }));
  const sources = new GitSourceRepos();
  const builds = new BuildService(store, sources, runner, logger);
  const sync = new SyncService({ config: new GitConfigSource(config, join(dataDir, 'state', 'config')), sources, store, builds, queue, sites, logger });

  const server = await listen(createRequestListener({
      sync,
      sites,
      store,
      queue,
      logger,
      auth: { ...(options.apiToken ? { token: options.apiToken } : {}), protectReads: options.protectReads ?? false },
    }), options.port, options.host);
  const address = server.address() as AddressInfo;
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${address.port}`;
  logger.info('opus server listening', { url, dataDir, config });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = async () => {
    await sync.sync();
    if (stopped) return;
    const interval = options.syncIntervalMs ?? sync.desiredState?.settings.syncIntervalMs ?? 60_000;
    timer = setTimeout(() => void loop(), interval);
  };
  void loop();

  return {
    url,
    sync,
    queue,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
    },
  };
}

async function embeddedConfigRepo(dataDir: string, logger: Logger): Promise<string> {
  const dir = join(dataDir, 'config');
  if (!existsSync(join(dir, SETTINGS_FILE))) {
    await ConfigWorkspace.init(dir, initialFiles());
    logger.info('created the embedded config repo', { dir });
  }
  return dir;
}

function listen(handler: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer(handler);
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}
