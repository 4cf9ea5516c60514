// A world for preview tests and the preview benchmark: a forge stand-in on 127.0.0.1 that hosts the
// app's repository (smart HTTP, pull-request refs as GitHub and GitLab keep them) and answers the
// status and comment APIs, a config repo, and a real Opus server (startServer, real Docker builds).
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../src/runtime/start-server.js';
import { createLogger } from '../../src/services/logger.js';
import { eventually, gitSync, writeFiles } from './fixtures.js';
import { startForgeStandIn, type ForgeStandIn } from './forge-stand-in.js';
import type { StatusCall } from './forge-status-api.js';

if (!process.env.DOCKER_HOST) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

export const PREVIEW_DOMAIN = 'preview.test';
export const TOKENS = { github: 'gh-token-preview', gitea: 'gitea-token-preview', gitlab: 'gitlab-token-preview' };

export interface PreviewWorld {
  dir: string;
  forge: ForgeStandIn;
  server: RunningServer;
  /** Working copy of the app; `bare` is what the forge serves. */
  work: string;
  bare: string;
  source: string;
  secret: string;
  logs: string[];
  configDir: string;
  /** The config repo's bare repository on the forge (with configOnForge). */
  configBare: string;
  /** Commits files on a branch of the app (made from main) and pushes it; returns the commit. */
  commit(branch: string, files: Record<string, string>, message: string, remove?: string[]): Promise<string>;
  /** Points a ref of the forge's repository (refs/pull/<n>/head…) at a commit, as the forge does. */
  setRef(ref: string, commit: string): void;
  /** GET on the server with a Host header. */
  get(host: string, path?: string): Promise<{ status: number; body: string }>;
  /** GET on production: site.localhost, as a browser reaches it. */
  site(path?: string): Promise<{ status: number; body: string }>;
  hostOf(label: string): string;
  statusesOf(sha: string): StatusCall[];
  /** Waits for the newest status of a commit to be `state`. */
  statusOf(sha: string, state: string, timeoutMs?: number): Promise<StatusCall>;
  close(): Promise<void>;
}

export interface PreviewWorldOptions {
  /** Lines of projects/site.yaml after source, deploy and build. */
  projectYaml: string;
  command: string;
  /** Files of the app at tag 1.0.0 (on main). */
  files: Record<string, string>;
  /** Host the config repo on the forge too (acme/config.git), so its pull requests can be previewed. */
  configOnForge?: boolean;
  /** More lines of opus.yaml (hooks…). */
  settings?: string;
  /** More options of the server (a shared S3 store, leadership…). */
  server?: Partial<ServerOptions>;
}

export async function startPreviewWorld(options: PreviewWorldOptions): Promise<PreviewWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-previews-'));
  const root = join(dir, 'forge');
  const bare = join(root, 'acme', 'site.git');
  const work = join(dir, 'work');
  await writeFiles(work, options.files);
  gitSync(work, 'init', '--quiet');
  gitSync(work, 'add', '--all');
  gitSync(work, 'commit', '--quiet', '-m', 'release 1.0.0');
  gitSync(work, 'tag', '1.0.0');
  gitSync(dir, 'clone', '--quiet', '--bare', work, bare);
  gitSync(work, 'remote', 'add', 'origin', bare);
  const forge = await startForgeStandIn(root, TOKENS);
  const source = `${forge.url}/acme/site.git`;
  const configDir = join(dir, 'config');
  await writeFiles(configDir, {
    'opus.yaml': `sync:\n  interval: 1h\npreviews:\n  domain: ${PREVIEW_DOMAIN}\n${options.settings ?? ''}`,
    'projects/site.yaml': `source: ${JSON.stringify(source)}\ndeploy: "1.0.0"\nbuild:\n  image: node:20\n  command: ${JSON.stringify(options.command)}\n  output: dist\n${options.projectYaml}`,
  });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  const configBare = join(root, 'acme', 'config.git');
  if (options.configOnForge) {
    gitSync(dir, 'clone', '--quiet', '--bare', configDir, configBare);
    gitSync(configDir, 'remote', 'add', 'origin', configBare);
  }
  const secret = `webhook-secret-${Date.now()}`;
  const logs: string[] = [];
  const server = await startServer({
    dataDir: join(dir, 'data'),
    config: options.configOnForge ? `${forge.url}/acme/config.git` : configDir,
    port: 0,
    host: '127.0.0.1',
    syncIntervalMs: 3_600_000,
    logger: createLogger('json', (line) => void logs.push(line)),
    webhookSecret: secret,
    webhookDebounceMs: 50,
    forgeTokens: TOKENS,
    ...options.server,
  });
  const port = new URL(server.url).port;
  const world: PreviewWorld = {
    dir,
    forge,
    server,
    work,
    bare,
    source,
    secret,
    logs,
    configDir,
    configBare,
    async commit(branch, files, message, remove = []) {
      const exists = gitSync(work, 'branch', '--list', branch).trim() !== '';
      gitSync(work, 'checkout', '--quiet', ...(exists ? [branch] : ['-b', branch, 'main']));
      for (const path of remove) gitSync(work, 'rm', '--quiet', '-r', path);
      await writeFiles(work, files);
      gitSync(work, 'add', '--all');
      gitSync(work, 'commit', '--quiet', '-m', message);
      gitSync(work, 'push', '--quiet', 'origin', branch);
      return gitSync(work, 'rev-parse', 'HEAD').trim();
    },
    setRef(ref, commit) {
      gitSync(bare, 'update-ref', ref, commit);
    },
    get: (host, path = '/') => get(server.url, host, path),
    site: (path = '/') => get(server.url, `site.localhost:${port}`, path),
    hostOf: (label) => `${label}--site.${PREVIEW_DOMAIN}:${port}`,
    statusesOf: (sha) => forge.api.statuses.filter((s) => s.sha === sha),
    statusOf: (sha, state, timeoutMs = 120_000) =>
      eventually(() => {
        const last = forge.api.statuses.filter((s) => s.sha === sha).at(-1);
        return last?.state === state ? last : undefined;
      }, timeoutMs, `a "${state}" status of ${sha.slice(0, 7)}`),
    async close() {
      await server.close();
      await server.queue.idle();
      await forge.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await eventually(async () => {
    if (!server.sync.desiredState || server.scheduler.active().length > 0) return undefined;
    const live = await get(server.url, `site.localhost:${port}`, '/');
    return live.status === 200 ? live : undefined;
  }, 120_000, 'production 1.0.0 to be live');
  return world;
}

/** GET with an explicit Host header (a preview host resolves nowhere here). */
export function get(base: string, host: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
