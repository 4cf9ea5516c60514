// A real Opus server for operators' tests: git source repos, a config repo, the composition root
// (startServer) listening on 127.0.0.1 with real Docker builds (DOCKER_HOST, local image node:20),
// and the real CLI pointed at it. Its log lines are kept, to check that no secret reaches them.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Origins } from '../../src/domain/origins.js';
import { startServer, type RunningServer } from '../../src/runtime/start-server.js';
import type { TlsOptions } from '../../src/runtime/tls.js';
import { createLogger } from '../../src/services/logger.js';
import { eventually, gitSync, makeSourceRepo, opus, writeFiles, type RunResult } from './fixtures.js';
import { siteOrigin } from './local-fetch.js';

if (!process.env.DOCKER_HOST && existsSync('/run/opus-docker/docker.sock')) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

export const COPY_BUILD = 'mkdir -p dist && cp -r public/. dist/';

export interface ProjectSetup {
  /** tag → files of the source at that tag. */
  versions: Record<string, Record<string, string>>;
  deploy?: string;
  command?: string;
  /** More lines of the project's YAML (domains, spa, auth, build.network…). */
  yaml?: string;
}

export interface OpusWorld {
  dir: string;
  url: string;
  token: string;
  configDir: string;
  dataDir: string;
  sources: Record<string, string>;
  server: RunningServer;
  /** Every line the server logged. */
  logs: string[];
  /** The real CLI, pointed at this server and this config repo. */
  run(...args: string[]): Promise<RunResult>;
  /** http://<label>.localhost:<port>/: a project's own origin (label `site`) or a preview's (`1-0-0--site`). */
  siteUrl(label: string): string;
  /** fetch() on the server with the API token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Syncs now and waits until every project is synced (or `until` says so). */
  settle(until?: (projects: ProjectView[]) => boolean): Promise<ProjectView[]>;
  close(): Promise<void>;
}

export interface ProjectView {
  name: string;
  status: string;
  live?: string;
  desired?: string;
}

export function projectYaml(source: string, deploy: string | undefined, command = COPY_BUILD): string {
  return [`source: ${JSON.stringify(source)}`, ...(deploy ? [`deploy: ${JSON.stringify(deploy)}`] : []), `build:\n  image: node:20\n  command: ${JSON.stringify(command)}\n  output: dist`].join('\n') + '\n';
}

export async function startOpusWorld(projects: Record<string, ProjectSetup>, options: { protectReads?: boolean; settings?: string; origins?: Origins; port?: number; tls?: TlsOptions } = {}): Promise<OpusWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-ops-'));
  const sources: Record<string, string> = {};
  const files: Record<string, string> = { 'opus.yaml': `sync:\n  interval: 1h\n${options.settings ?? ''}` };
  for (const [name, setup] of Object.entries(projects)) {
    sources[name] = await makeSourceRepo(join(dir, 'src', name), setup.versions);
    files[`projects/${name}.yaml`] = projectYaml(sources[name], setup.deploy, setup.command) + (setup.yaml ?? '');
  }
  const configDir = join(dir, 'config');
  await writeFiles(configDir, files);
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init opus config repo');

  const token = `opus-test-token-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const logs: string[] = [];
  const dataDir = join(dir, 'data');
  const server = await startServer({
    dataDir,
    config: configDir,
    port: options.port ?? 0,
    host: '127.0.0.1',
    ...(options.tls ? { tls: options.tls } : {}),
    syncIntervalMs: 3_600_000,
    logger: createLogger('json', (line) => void logs.push(line)),
    apiToken: token,
    protectReads: options.protectReads ?? false,
    ...(options.origins ? { origins: options.origins } : {}),
  });
  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });
  const env = { OPUS_SERVER: server.url, OPUS_TOKEN: token, OPUS_CONFIG: configDir, XDG_CONFIG_HOME: join(dir, 'xdg') };

  const world: OpusWorld = {
    dir,
    url: server.url,
    token,
    configDir,
    dataDir,
    sources,
    server,
    logs,
    run: (...args) => opus(args, { env }),
    siteUrl: (label) => `${siteOrigin(server.url, label)}/`,
    api,
    async settle(until = (list) => list.every((p) => p.status === 'synced' || p.status === 'not deployed')) {
      await api('/api/v1/sync', { method: 'POST' });
      return eventually(async () => {
        await server.queue.idle();
        const { projects: list } = (await (await api('/api/v1/projects')).json()) as { projects: ProjectView[] };
        return until(list) ? list : undefined;
      }, 120_000, 'the projects to settle');
    },
    async close() {
      await server.close();
      await server.queue.idle();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}
