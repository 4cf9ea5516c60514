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
import { EMBEDDED_ORIGINS, originsProblem, type Origins } from '../domain/origins.js';
import { UserError, errorMessage } from '../domain/errors.js';
import type { BuildRunner } from '../ports/build-runner.js';
import type { Leadership } from '../ports/leadership.js';
import { createOpusServer } from '../server/opus-server.js';
import { ensureAdminToken } from './admin-token.js';
import { lockDataDir } from './data-dir-lock.js';
import { useFallbackDockerHost } from './docker-host.js';
import { openArtifactStores, type S3StoreOptions } from './artifact-stores.js';
import { configEditRun } from './config-edit-runs.js';
import { restartSweep, setAsideCheckouts } from './restart-sweep.js';
import { watchConfigRepo } from './config-repo-watch.js';
import { watchEngine } from './engine-watch.js';
import { defaults } from './defaults.js';
import type { KubernetesRuntime } from './kubernetes.js';
import { forgeTokensFromEnv, startPreviews, type ForgeTokens } from './previews.js';
import { startTls, type TlsOptions } from './tls.js';
import { isDnsName, namesToOrder } from '../domain/tls-names.js';
import { projectDomains, servedHostsOf } from '../services/certificates/served-hosts.js';
import { BuildQueue } from '../services/build-queue.js';
import { BuildScheduler } from '../services/build-scheduler.js';
import { HandedOver } from '../domain/build-record.js';
import { BuildService, RunnerChoice } from '../services/build-service.js';
import { HookDeliveryService } from '../services/hook-delivery.js';
import { initialFiles } from '../services/config-edits.js';
import type { Logger } from '../services/logger.js';
import { fanOut, Metrics } from '../services/metrics.js';
import { SyncService } from '../services/sync-service.js';
import type { PreviewService } from '../services/previews/preview-service.js';
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
  /** Bearer token for the API (never logged); without one, the data dir's admin token (made on first start). */
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
  /** How long a shutdown keeps serving with /readyz failing, so load balancers move away first (default 0). */
  drainMs?: number;
  /** Tokens for commit statuses and comments of previews (default: GITHUB_TOKEN, GITEA_TOKEN, GITLAB_TOKEN). */
  forgeTokens?: ForgeTokens;
  /** The dashboard's hosts, the sites domain, path-style hosts (default: EMBEDDED_ORIGINS). */
  origins?: Origins;
  /** HTTPS beside HTTP (see runtime/tls.ts): own certificates and ACME. */
  tls?: TlsOptions;
}

export interface RunningServer {
  url: string;
  /** The API token in force: the configured one, else the data dir's admin token. */
  token: string;
  /** Where the dashboard is (its first host, or the public URL). */
  dashboardUrl: string;
  /** Set when the admin token file was made by this start (so it is shown once). */
  createdTokenFile?: string;
  /** The HTTPS listener's address, with TLS on. */
  httpsUrl?: string;
  sync: SyncService;
  scheduler: BuildScheduler;
  queue: BuildQueue;
  previews: PreviewService;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const origins = options.origins ?? EMBEDDED_ORIGINS;
  const problem = originsProblem(origins);
  if (problem) throw new UserError(problem, ['set --dashboard-host, --sites-domain and --path-sites-host so that no site shares a host with the dashboard']);
  const dataDir = resolve(options.dataDir);
  // Before anything else: starting removes build containers and checkouts of this data dir.
  const lock = await lockDataDir(dataDir);
  try {
    const running = await startLocked(options, origins, dataDir);
    lock.describe(running.url);
    return { ...running, close: () => running.close().finally(() => lock.release()) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(options: ServerOptions, origins: Origins, dataDir: string): Promise<RunningServer> {
  const { logger } = options;
  const config = options.config ?? (await embeddedConfigRepo(dataDir, logger));
  const admin = options.apiToken ? { token: options.apiToken, created: false, file: '' } : ensureAdminToken(dataDir);
  const leader = options.leader ?? options.kubernetes?.leader;
  const stores = await openArtifactStores(dataDir, options.s3, logger, leader);
  const { store, sites, serving, docker: dockerIds, follower, certificates, previewLedger } = stores;
  const queue = new BuildQueue(2);
  if (!options.runner) useFallbackDockerHost((message) => logger.info(message));
  const docker = new Docker();
  // Containers are labelled with this data dir, so a restart removes what a killed server left running.
  const dockerRunner = options.runner ? undefined : new DockerBuildRunner(docker, dockerIds);
  const runner: BuildRunner = options.runner ?? new RunnerChoice((): BuildRunnerKind | undefined => sync.desiredState?.settings.runner, { docker: dockerRunner as DockerBuildRunner, kubernetes: options.kubernetes?.runner });
  // When the engine comes back after not answering, sync at once (the builds that failed for it run again).
  const engine = options.runner ? undefined : await watchEngine(docker, () => (stopped ? undefined : sync.retryUnavailable().then(() => sync.sync())), logger);
  const leftovers = await dockerRunner?.removeLeftovers().catch(() => 0);
  if (leftovers) logger.info('removed build containers left by a stopped server', { containers: leftovers });
  const sources = new GitSourceRepos();
  const metrics = new Metrics(queue);
  // Outgoing hooks: emit() only appends to an outbox under the data dir; each hook has its own delivery loop.
  let publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const hooks = new HookDeliveryService({ outbox: new FsHookOutbox(join(dataDir, 'state', 'hooks')), sender: new HttpHookSender(), logger, desired: () => sync.desiredState, publicUrl: () => publicUrl ?? '', origins });
  await hooks.start();
  const events = fanOut(metrics, hooks);
  // A killed server's checkouts are this data dir's own: set aside before any build starts, swept once serving.
  const checkouts = join(dataDir, 'checkouts');
  const sweep = restartSweep(await setAsideCheckouts(dataDir, checkouts), (signal) => stores.sweep(signal), logger);
  const builds = new BuildService(store, sources, runner, logger, events, readSecret, checkouts);
  const configClone = join(dataDir, 'state', 'config');
  // The one path for every build (sync, API, webhooks, restarts); the sync reconciles when one ends.
  const scheduler = new BuildScheduler({ queue, builds, store, logger, events, ...(leader ? { mayBuild: () => leader.isLeader() } : {}) });
  // A replica that lost the Lease stops its builds at once (its renew deadline is below the Lease's
  // duration, so before a successor may start them) and leaves them queued for the successor,
  // whose first sync as leader resumes them.
  /** Whether the builds left unfinished were resumed since this replica last became the leader. */
  let resumed = false;
  leader?.onChange?.((leading) => {
    if (leading) {
      resumed = false;
      return;
    }
    const active = scheduler.active();
    for (const build of active) void scheduler.cancel(build.project, build.version, new HandedOver());
    if (active.length > 0) logger.warn('this replica lost the sync Lease: its builds are left to the next leader', { builds: active.map((b) => `${b.project}@${b.version}`) });
  });
  const sync = new SyncService({ config: new GitConfigSource(config, configClone), sources, store, builds, queue, scheduler, sites, logger, events, onSynced: (report, ms) => {
    metrics.syncFinished(report, ms);
    hooks.currentHooks(); // takes up the hooks of each valid opus.yaml, so a broken one later still reports to them
  } });
  const triggers = new TriggerService({ sync, sources, store, scheduler, logger, events });
  const previews = await startPreviews({ dataDir, sync, sites, store, scheduler, logger, events, tokens: options.forgeTokens ?? forgeTokensFromEnv(), publicUrl: () => publicUrl ?? '', sources, configRepo: config, sitesDomain: origins.sitesDomain, ...(previewLedger ? { shared: { ledger: previewLedger, follow: () => leader?.isLeader() === false } } : {}) });
  const webhooks = new WebhookService({ sync, triggers, logger, configRepo: config, ...(options.webhookDebounceMs === undefined ? {} : { debounceMs: options.webhookDebounceMs }) });

  // Every replica (the one that syncs too) serves through the follower, so all switch together.
  await follower?.start();
  const dashboardHost = publicUrl && URL.canParse(publicUrl) ? new URL(publicUrl).hostname : origins.dashboardHosts.find((host) => isDnsName(host));
  const tls = options.tls && (await startTls(options.tls, {
    dataDir,
    logger,
    events,
    ...(leader ? { leader } : {}),
    ...(certificates ? { store: certificates } : {}),
    served: servedHostsOf(serving.sites, (project) => serving.store.versionNames(project), dashboardHost, origins.sitesDomain),
    wanted: () => namesToOrder(dashboardHost, projectDomains(serving.sites, origins.sitesDomain)),
    settings: () => sync.desiredState?.settings,
  }));
  const server = createOpusServer({
      sync,
      scheduler,
      sites,
      store,
      serving,
      ...(follower ? { follower } : {}),
      ...(leader ? { leadership: leader } : {}),
      trustProxy: options.trustProxy ?? false,
      origins,
      queue,
      logger,
      auth: { token: admin.token, protectReads: options.protectReads ?? false },
      history: new GitConfigHistory(configClone),
      secrets: readSecret,
      metrics,
      hooks,
      triggers,
      webhooks: { service: webhooks, previews, ...(options.webhookSecret ? { secret: options.webhookSecret } : {}) },
      previews,
      ...(tls ? { certificates: tls.report } : {}),
      configRepo: config,
      // Never through the clone the sync reads (state/config): see config-edit-runs.ts.
      configEdits: configEditRun(config, dataDir),
    }, tls?.serving);
  if (tls) metrics.watchCertificates(tls.report);
  const address = await server.listen(options.port, options.host).catch(async (error: unknown) => {
    await hooks.stop();
    await follower?.stop();
    throw portInUse(error, options.port, options.host) ?? error;
  });
  const local = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  const url = `http://${local}:${address.port}`;
  const httpsUrl = options.tls && server.secure && `https://${local}:${(await server.secure.listen(options.tls.httpsPort, options.host)).port}`;
  publicUrl ??= url;
  await tls?.start();
  logger.info('opus server listening', { url, ...(httpsUrl ? { httpsUrl } : {}), dataDir, config });
  sweep.start();

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
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
    token: admin.token,
    dashboardUrl: `${publicUrl === url ? `http://${origins.dashboardHosts[0]}:${address.port}` : publicUrl}/_opus/`,
    ...(admin.created ? { createdTokenFile: admin.file } : {}),
    ...(httpsUrl ? { httpsUrl } : {}),
    sync,
    scheduler,
    queue,
    previews,
    async close() {
      // Work stops first; serving drains; the Lease is given up last, once nothing of this replica's runs.
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
      engine?.stop();
      // Ctrl-C / SIGTERM: no build container outlives the server (their builds resume at the next start).
      await Promise.all([queue.shutdown(), sweep.stop()]);
      await server.close(undefined, options.drainMs);
      await tls?.close();
      await hooks.stop();
      previews.stop();
      await follower?.stop();
      await options.kubernetes?.close();
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
    `or stop it first (Ctrl-C in its terminal)`,
    `or, for a second server, pass --port <another> (PORT) and --data-dir <another> (OPUS_DATA_DIR)`,
  ]);
}
