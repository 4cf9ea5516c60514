// `opus server` as a user starts it: a separate process from the CLI (bin/run.js), with its sync
// loop, API and metrics running, HTTPS on with own certificates from a directory. Its data dir is
// prepared the way a build leaves it (the version published with FsArtifactStore), and its config
// repo deploys that version, so the sync sets it live without building anything.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { canConnect } from './nginx.js';
import { publishVersion, type SiteFilesMap } from './opus.js';

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface OpusProcess {
  port: number;
  httpsPort: number;
  versionDir: string;
  stop(): Promise<void>;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });
}

async function repo(dir: string, files: Record<string, string>, tag?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  git(dir, 'init', '--quiet');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'bench');
  if (tag) git(dir, 'tag', tag);
}

export async function startOpusProcess(opts: { dir: string; files: SiteFilesMap; port: number; httpsPort: number; certificatesDir: string }): Promise<OpusProcess> {
  const dataDir = join(opts.dir, 'data');
  const versionDir = await publishVersion(new FsArtifactStore(join(dataDir, 'artifacts')), 'site', '1.0.0', opts.files);
  await repo(join(opts.dir, 'source'), { 'README.md': 'bench\n' }, '1.0.0');
  await repo(join(opts.dir, 'config'), {
    'opus.yaml': 'sync:\n  interval: 30s\n',
    'projects/site.yaml': `source: ${JSON.stringify(join(opts.dir, 'source'))}\ndeploy: 1.0.0\nbuild:\n  image: node:20\n  command: "true"\n`,
  });
  const args = [BIN, 'server', '--data-dir', dataDir, '--config', join(opts.dir, 'config'), '--host', '127.0.0.1', '--port', String(opts.port), '--https-port', String(opts.httpsPort), '--certificates', opts.certificatesDir, '--log-format', 'json',
    // The same URLs as nginx's (/site/…): the path-style opt-in on 127.0.0.1 and localhost (HTTPS), the dashboard on another host.
    '--dashboard-host', 'opus.localhost', '--path-sites-host', '127.0.0.1,localhost'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  // Listening, and the first sync has set the version live.
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`opus server did not serve /site/: ${stderr}`);
    }
    if (await canConnect(opts.port)) {
      const status = await fetch(`http://127.0.0.1:${opts.port}/site/`).then((r) => r.status, () => 0);
      if (status === 200) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: opts.port,
    httpsPort: opts.httpsPort,
    versionDir,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
