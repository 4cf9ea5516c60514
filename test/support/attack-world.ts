// A stranger's view of Opus: the real `opus server` process (bin/run.js) on 127.0.0.1 with its
// embedded defaults (admin token made on first start, sites on *.localhost), a git config repo,
// real Docker builds, and nothing else. Attack tests talk to it only over sockets, as an attacker
// would; they read the admin token from the data dir only to check what a credential would see.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from './fixtures.js';

export interface AttackProject {
  /** tag → files of the source at that tag; the last tag is deployed. */
  versions: Record<string, Record<string, string>>;
  /** `{port}` and `{dataDir}` are replaced by the server's (a build that attacks them knows them). */
  command: string;
  /** More lines under `build:` (network, secrets, limits), each indented by two spaces. */
  build?: string;
  /** Lines at the top of the project file (auth, spa, redirects). */
  yaml?: string;
}

export interface AttackWorld {
  port: number;
  /** http://localhost:<port>: the dashboard's and the API's origin. */
  dashboard: string;
  token: string;
  dataDir: string;
  logs: string[];
  site(label: string): string;
  /** A request with a chosen Host header (fetch cannot send one), answered in full. */
  get(path: string, host: string, headers?: Record<string, string>, method?: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  api(path: string, init?: RequestInit): Promise<Response>;
}

export const VAULT_USER = 'team';
export const VAULT_PASSWORD = 'vault-password-1';
/** In the protected project's only page: seeing it without credentials is a leak. */
export const VAULT_CONTENT = 'VAULT-CONTENT-7f3a';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `vault`: a basic-auth protected sibling every attack tries to reach. */
export const VAULT: AttackProject = {
  versions: { '1.0.0': { 'public/index.html': `<h1>${VAULT_CONTENT}</h1>\n` } },
  command: 'mkdir -p dist && cp -r public/. dist/',
  yaml: `auth:\n  username: ${VAULT_USER}\n  passwordHash: { env: VAULT_HASH }\n`,
};

/** Starts `opus server` with these projects (their last tag deployed) and waits until all are live. */
export async function startAttackWorld(t: { after(fn: () => unknown): void }, projects: Record<string, AttackProject>, options: { port?: number; env?: Record<string, string>; args?: string[] } = {}): Promise<AttackWorld> {
  const dir = await tempDir(t, 'opus-attack-');
  const port = options.port ?? (await freePort());
  const dataDir = join(dir, 'data');
  const files: Record<string, string> = { 'opus.yaml': 'sync:\n  interval: 1h\n' };
  for (const [name, project] of Object.entries(projects)) {
    const source = await makeSourceRepo(join(dir, 'src', name), project.versions);
    const deploy = Object.keys(project.versions).at(-1) ?? '';
    files[`projects/${name}.yaml`] = [
      `source: ${JSON.stringify(source)}`,
      `deploy: ${JSON.stringify(deploy)}`,
      `build:\n  image: node:20\n  command: ${JSON.stringify(project.command.replaceAll('{port}', String(port)).replaceAll('{dataDir}', dataDir))}\n  output: dist`,
      ...(project.build ? [project.build] : []),
      ...(project.yaml ? [project.yaml] : []),
    ].join('\n') + '\n';
  }
  const configDir = join(dir, 'config');
  await writeFiles(configDir, files);
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const logs: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, VAULT_HASH: bcrypt.hashSync(VAULT_PASSWORD, 4), ...options.env };
  delete env.OPUS_API_TOKEN;
  const args = ['server', '--config', configDir, '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json', ...(options.args ?? [])];
  const child: ChildProcess = spawn(process.execPath, [opusBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout?.on('data', (chunk: Buffer) => void logs.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void logs.push(chunk.toString()));
  t.after(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });
  const dashboard = `http://localhost:${port}`;
  const token = await eventually(() => readFile(join(dataDir, 'state', 'admin-token'), 'utf8').then((s) => s.trim()).catch(() => undefined), 30_000, 'the admin token');
  const api = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });
  const settled = await eventually(async () => {
    const answer = await api('/api/v1/projects').catch(() => undefined);
    if (!answer?.ok) return undefined;
    const { projects: list } = (await answer.json()) as { projects: { name: string; status: string }[] };
    const failed = list.find((p) => p.status === 'failed' || p.status === 'config error');
    if (failed) return { failed };
    return list.length === Object.keys(projects).length && list.every((p) => p.status === 'synced') ? { failed: undefined } : undefined;
  }, 150_000, 'every project to be live');
  if (settled.failed) throw new Error(`${settled.failed.name} ${settled.failed.status}: ${JSON.stringify(settled.failed)}`);

  return {
    port,
    dashboard,
    token,
    dataDir,
    logs,
    site: (label) => `http://${label}.localhost:${port}`,
    api,
    get: (path, host, headers = {}, method = 'GET', body?: string) =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: host, ...headers }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
        });
        req.on('error', reject);
        req.end(body);
      }),
  };
}

/** `Authorization: Basic …` for the vault. */
export const vaultCredentials = (): Record<string, string> => ({ Authorization: `Basic ${Buffer.from(`${VAULT_USER}:${VAULT_PASSWORD}`).toString('base64')}` });
