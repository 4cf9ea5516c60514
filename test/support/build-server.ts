// An Opus server assembled in-process for build tests: a real git config repo, real git sources,
// real Docker builds (node:20), the artifact tree on disk, and a real HTTP listener on 127.0.0.1.
// Events are recorded; config fetches and tag listings are counted.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { readSecret } from '../../src/adapters/secrets/read-secret.js';
import { GitConfigSource } from '../../src/adapters/git/git-config-source.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import type { OpusEvent } from '../../src/ports/event-sink.js';
import type { ConfigSource, SourceRepos } from '../../src/ports/git-sources.js';
import { createOpusServer } from '../../src/server/opus-server.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import type { BuildScheduler } from '../../src/services/build-scheduler.js';
import { SyncService } from '../../src/services/sync-service.js';
import { TriggerService } from '../../src/services/trigger-service.js';
import { WebhookService } from '../../src/services/webhook-service.js';
import { gitSync, tempDir, writeFiles } from './fixtures.js';
import { syncWiring } from './sync-wiring.js';

export const COPY_BUILD = 'mkdir -p dist && cp -r public/. dist/';

/** A project file as a user writes it. */
export function projectYaml(source: string, options: { deploy?: string; command?: string; extra?: string; build?: string } = {}): string {
  return [
    `source: ${JSON.stringify(source)}`,
    ...(options.deploy ? [`deploy: ${JSON.stringify(options.deploy)}`] : []),
    `build:\n  image: node:20\n  command: ${JSON.stringify(options.command ?? COPY_BUILD)}\n  output: dist${options.build ? `\n  ${options.build}` : ''}`,
    ...(options.extra ? [options.extra] : []),
  ].join('\n') + '\n';
}

export interface BuildServer {
  url: string;
  /** The API token; api() sends it. */
  token: string;
  dir: string;
  configDir: string;
  store: FsArtifactStore;
  sites: SiteTable;
  sync: SyncService;
  scheduler: BuildScheduler;
  webhooks: WebhookService;
  events: OpusEvent[];
  counts: { fetches: number; listTags: Record<string, number> };
  /** Commits files to the config repo. */
  commit(files: Record<string, string>, message: string): Promise<void>;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export interface BuildServerOptions {
  files: Record<string, string>;
  webhookSecret?: string;
  debounceMs?: number;
}

export async function startBuildServer(t: TestContext, options: BuildServerOptions): Promise<BuildServer> {
  const dir = await tempDir(t, 'opus-builds-');
  const configDir = join(dir, 'config');
  await writeFiles(configDir, options.files);
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const counts = { fetches: 0, listTags: {} as Record<string, number> };
  const git = new GitConfigSource(configDir, join(dir, 'state', 'config'));
  const config: ConfigSource = { fetch: () => ((counts.fetches += 1), git.fetch()) };
  const real = new GitSourceRepos();
  const sources: SourceRepos = {
    listTags: (source) => ((counts.listTags[source] = (counts.listTags[source] ?? 0) + 1), real.listTags(source)),
    checkout: (source, tag, into) => real.checkout(source, tag, into),
    checkoutCommit: (source, ref, commit, into) => real.checkoutCommit(source, ref, commit, into),
  };
  const events: OpusEvent[] = [];
  const sink = { emit: (event: Omit<OpusEvent, 'at'>) => void events.push({ ...event, at: new Date().toISOString() }) };
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(2);
  const builds = new BuildService(store, sources, new DockerBuildRunner(new Docker()), silentLogger, sink, readSecret);
  const { sync, scheduler } = syncWiring({ config, sources, store, builds, queue, sites, logger: silentLogger, events: sink });
  const triggers = new TriggerService({ sync, sources, store, scheduler, logger: silentLogger });
  const webhooks = new WebhookService({ sync, triggers, logger: silentLogger, configRepo: configDir, debounceMs: options.debounceMs ?? 200 });
  const secret = options.webhookSecret ? { secret: options.webhookSecret } : {};
  const token = `build-server-token-${Math.random().toString(36).slice(2)}`;
  const server = createOpusServer({ sync, scheduler, sites, store, queue, logger: silentLogger, triggers, webhooks: { service: webhooks, ...secret }, auth: { token, protectReads: false } });
  const url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
  t.after(async () => {
    await webhooks.idle();
    for (const build of scheduler.active()) void scheduler.cancel(build.project, build.version);
    await scheduler.idle();
    await server.close(0);
  });
  await sync.sync();
  return {
    url,
    token,
    dir,
    configDir,
    store,
    sites,
    sync,
    scheduler,
    webhooks,
    events,
    counts,
    async commit(files, message) {
      await writeFiles(configDir, files);
      gitSync(configDir, 'add', '--all');
      gitSync(configDir, 'commit', '--quiet', '-m', message);
    },
    async api(method, path, body) {
      const headers = { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
      const response = await fetch(`${url}/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as never };
    },
  };
}

/** Build containers of a project, by state. */
export async function containersOf(project: string, running = false): Promise<Docker.ContainerInfo[]> {
  return new Docker().listContainers({ all: !running, filters: { label: [`dev.opus.project=${project}`], ...(running ? { status: ['running'] } : {}) } });
}

/** Removes what a test left in Docker for a project: containers and its cache volume. */
export async function cleanDocker(project: string): Promise<void> {
  const docker = new Docker();
  for (const c of await containersOf(project)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  const { Volumes } = await docker.listVolumes({ filters: { label: [`dev.opus.cache=${project}`] } });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
}
