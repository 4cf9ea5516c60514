// The composition root: config → adapters → services → HTTP server and sync timer.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../adapters/docker/docker-build-runner.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { GitConfigHistory } from '../adapters/git/git-config-history.js';
import { GitConfigSource } from '../adapters/git/git-config-source.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { FsHookOutbox } from '../adapters/hooks/fs-hook-outbox.js';
import { HttpHookSender } from '../adapters/hooks/http-hook-sender.js';
import { readSecret } from '../adapters/secrets/read-secret.js';
import { SETTINGS_FILE, type BuildRunnerKind } from '../domain/desired-state.js';
import { errorMessage, UserError } from '../domain/errors.js';
import type { BuildRunner } from '../ports/build-runner.js';
import type { Leadership } from '../ports/leadership.js';
import { createOpusServer } from '../server/opus-server.js';
import { openArtifactStores, type S3StoreOptions } from './artifact-stores.js';
import { watchConfigRepo } from './config-repo-watch.js';
import { watchEngine } from './engine-watch.js';
import { openConfigEdits } from './config-repo.js';
import { defaults } from './defaults.js';
import type { KubernetesRuntime } from './kubernetes.js';
import { forgeTokensFromEnv, startPreviews, type ForgeTokens } from './previews.js';
import { BuildQueue } from '../services/build-queue.js';
import { BuildScheduler } from '../services/build-scheduler.js';
import { BuildService } from '../services/build-service.js';
import { HookDeliveryService } from '../services/hook-delivery.js';
import { initialFiles } from '../services/config-edits.js';
import type { Logger } from '../services/logger.js';
import { fanOut, Metrics } from '../services/metrics.js';
import { SyncService } from '../services/sync-service.js';
import type { PreviewService } from '../services/previews/preview-service.js';
import { RunnerChoice } from '../services/runner-choice.js';
import { TriggerService } from '../services/trigger-service.js';
import { WebhookService } from '../services/webhook-service.js';

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
  /** Trust X-Forwarded-Proto/-Host from a reverse proxy for the URLs the API answers with. */
  trustProxy?: boolean;
  /** Where users reach this server, for the URLs in outgoing hook bodies (default: the listen URL). */
  publicUrl?: string;
  /** Shared secret of push webhooks (never logged); without one, /hooks/* answer 503. */
  webhookSecret?: string;
  /** How long pushes to one repository are gathered before they are handled (default 250 ms). */
  webhookDebounceMs?: number;
  /** In a cluster: the Job runner (opus.yaml builds.runner: kubernetes) and the sync Lease. */
  kubernetes?: KubernetesRuntime;
  /** A shared S3 artifact store (several replicas); by default the artifacts live under the data dir. */
  s3?: S3StoreOptions;
  /** Whether this replica runs the sync loop now (default: the Kubernetes Lease's, else always). */
  leader?: Leadership;
  /** Tokens for commit statuses and comments of previews (default: GITHUB_TOKEN, GITEA_TOKEN, GITLAB_TOKEN). */
  forgeTokens?: ForgeTokens;
}

export interface RunningServer {
  url: string;
  sync: SyncService;
  queue: BuildQueue;
  previews: PreviewService;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const dataDir = resolve(options.dataDir);
  const config = options.config ?? (await embeddedConfigRepo(dataDir, logger));
  const leader = options.leader ?? options.kubernetes?.leader;
  const { store, sites, serving, docker: dockerIds, follower } = await openArtifactStores(dataDir, options.s3, logger, leader);
  const queue = new BuildQueue(2);
  const docker = new Docker();
  // Containers are labelled with this data dir, so a restart removes what a killed server left running.
  const dockerRunner = options.runner ? undefined : new DockerBuildRunner(docker, dockerIds);
  const runner: BuildRunner = options.runner ?? new RunnerChoice((): BuildRunnerKind | undefined => sync.desiredState?.settings.runner, { docker: dockerRunner as DockerBuildRunner, kubernetes: options.kubernetes?.runner });
  // When the engine comes back after not answering, sync at once (the builds that failed for it run again).
  const engine = options.runner ? undefined : await watchEngine(docker, () => void (stopped ? undefined : sync.retryUnavailable().then(() => sync.sync())), logger);
  const leftovers = await dockerRunner?.removeLeftovers().catch(() => 0);
  if (leftovers) logger.info('removed build containers left by a stopped server', { containers: leftovers });
  const sources = new GitSourceRepos();
  const metrics = new Metrics(queue);
  // Outgoing hooks: emit() only appends to an outbox under the data dir; each hook has its own delivery loop.
  let publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const hooks = new HookDeliveryService({ outbox: new FsHookOutbox(join(dataDir, 'state', 'hooks')), sender: new HttpHookSender(), logger, desired: () => sync.desiredState, publicUrl: () => publicUrl ?? '' });
  await hooks.start();
  const events = fanOut(metrics, hooks);
  const builds = new BuildService(store, sources, runner, logger, events, readSecret);
  const configClone = join(dataDir, 'state', 'config');
  // The one path for every build (sync, API, webhooks, restarts); the sync reconciles when one ends.
  const scheduler = new BuildScheduler({ queue, builds, store, logger, events });
  const sync = new SyncService({ config: new GitConfigSource(config, configClone), sources, store, builds, queue, scheduler, sites, logger, events, onSynced: (report, ms) => {
    metrics.syncFinished(report, ms);
    hooks.currentHooks(); // takes up the hooks of each valid opus.yaml, so a broken one later still reports to them
  } });
  const triggers = new TriggerService({ sync, sources, store, scheduler, logger });
  const previews = await startPreviews({ dataDir, sync, sites, store, scheduler, logger, events, tokens: options.forgeTokens ?? forgeTokensFromEnv(), publicUrl: () => publicUrl ?? '', sources, configRepo: config });
  const webhooks = new WebhookService({ sync, triggers, logger, configRepo: config, ...(options.webhookDebounceMs === undefined ? {} : { debounceMs: options.webhookDebounceMs }) });

  // Every replica (the one that syncs too) serves through the follower, so all switch together.
  await follower?.start();
  const server = createOpusServer({
      sync,
      sites,
      store,
      serving,
      ...(follower ? { follower } : {}),
      ...(leader ? { leadership: leader } : {}),
      trustProxy: options.trustProxy ?? false,
      queue,
      logger,
      auth: { ...(options.apiToken ? { token: options.apiToken } : {}), protectReads: options.protectReads ?? false },
      history: new GitConfigHistory(configClone),
      secrets: readSecret,
      metrics,
      hooks,
      triggers,
      webhooks: { service: webhooks, previews, ...(options.webhookSecret ? { secret: options.webhookSecret } : {}) },
      previews,
      configRepo: config,
      // Only a config repo on this machine can be edited here; the server's own clone (state/config) never is.
      ...(existsSync(config) ? { configEdits: (pr: boolean) => openConfigEdits(config, true, pr ? { env: process.env } : undefined) } : {}),
    });
  const address = await server.listen(options.port, options.host).catch(async (error: unknown) => {
    await hooks.stop();
    await follower?.stop();
    throw portInUse(error, options.port, options.host) ?? error;
  });
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${address.port}`;
  publicUrl ??= url;
  logger.info('opus server listening', { url, dataDir, config });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let resumed = false;
  const loop = async () => {
    // With a sync Lease, only the replica that holds it syncs; the others look again soon.
    if (leader && !leader.isLeader()) {
      if (!stopped) timer = setTimeout(() => void loop(), 2_000);
      return;
    }
    await sync.sync();
    // Once, after the first sync that read the desired state: builds a stopped server left queued or running.
    if (!resumed && sync.desiredState && !sync.desiredState.settingsBroken) {
      resumed = true;
      await triggers.resume().catch((error: unknown) => logger.error('cannot resume builds', { error: errorMessage(error) }));
      previews.resume();
    }
    if (stopped) return;
    const interval = options.syncIntervalMs ?? sync.desiredState?.settings.syncIntervalMs ?? 60_000;
    timer = setTimeout(() => void loop(), interval);
  };
  void loop();
  // A commit to a config repo on this machine syncs at once (the interval stays as a backstop).
  const watcher = await watchConfigRepo(config, () => void (stopped || (leader && !leader.isLeader()) ? undefined : sync.sync()), logger);

  return {
    url,
    sync,
    queue,
    previews,
    async close() {
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
      engine?.stop();
      // Ctrl-C / SIGTERM: no build container outlives the server (their builds resume at the next start).
      await queue.shutdown();
      await hooks.stop();
      await follower?.stop();
      await options.kubernetes?.close();
      await server.close();
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

/** EADDRINUSE as a person reads it: which port, and what most likely holds it. */
function portInUse(error: unknown, port: number, host: string): UserError | undefined {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return undefined;
  return new UserError(`port ${port} on ${host} is in use: another program listens on it, most likely an Opus server already running${port === defaults.port ? ` (npm start runs one on ${port})` : ''}`, [
    `use the server that is running: the CLI talks to it (--server, OPUS_SERVER; default http://127.0.0.1:${defaults.port})`,
    `or stop it first (Ctrl-C in its terminal), or pass --port <another> (PORT)`,
  ]);
}
