// The server image, built for real with the Docker Engine at DOCKER_HOST from a base made on this
// machine (scripts/server-base-image.sh: node, npm and git; nothing pulled), then run the way a
// Kubernetes pod runs it: read-only root, a tmpfs /tmp, no capabilities, no new privileges, a volume
// at /data. The build's layers stay cached between runs: the last build keeps the tag
// opus-server-test:cache (so its layers are not dangling), older builds are pruned.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TransferServer } from '../../src/adapters/k8s/transfer-server.js';
import { eventually, repoRoot, writeFiles } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';

interface Run { code: number; stdout: string; stderr: string }

function sh(cmd: string, args: string[], timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: repoRoot, timeout, maxBuffer: 64 * 1024 ** 2, env: { ...process.env, DOCKER_BUILDKIT: '0' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr });
    });
  });
}

async function docker(...args: string[]): Promise<string> {
  const result = await sh('docker', args);
  assert.equal(result.code, 0, `docker ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

test('the server image builds, runs as uid 1000 on a read-only root with a data volume, and answers /healthz and /readyz', { timeout: 20 * 60_000 }, async (t) => {
  const base = await sh('bash', ['scripts/server-base-image.sh'], 5 * 60_000);
  assert.equal(base.code, 0, base.stderr);
  const baseTag = base.stdout.trim().split('\n').at(-1) ?? '';

  const id = randomUUID().slice(0, 8);
  const image = `opus-server-test:${id}`;
  const volume = `opus-image-test-${id}`;
  const container = `opus-image-test-${id}`;
  t.after(async () => {
    await sh('docker', ['rm', '-f', container]);
    await sh('docker', ['volume', 'rm', '-f', volume]);
    await sh('docker', ['image', 'rm', image]); // only untags: opus-server-test:cache keeps the layers
  });

  const started = Date.now();
  const build = await sh('docker', ['build', '--network', 'host', '--build-arg', `BASE=${baseTag}`, '--label', 'org.opus.test=server-image', '-t', image, '.'], 15 * 60_000);
  assert.equal(build.code, 0, `docker build failed:\n${build.stdout.slice(-4000)}\n${build.stderr}`);
  await docker('tag', image, 'opus-server-test:cache');
  await docker('image', 'prune', '-f', '--filter', 'label=org.opus.test=server-image');
  // The build stages' last layers are untagged leaves: drop the ones this build no longer uses.
  const used = new Set([...build.stdout.matchAll(/---> ([0-9a-f]{12})/g)].map((m) => m[1]));
  const stale = (await docker('images', '-q', '--filter', 'dangling=true', '--filter', 'label=org.opus.build=server-image')).split('\n').filter((id) => id && !used.has(id));
  if (stale.length > 0) await sh('docker', ['rmi', ...stale]);
  t.diagnostic(`built ${image} on ${baseTag} in ${Math.round((Date.now() - started) / 1000)} s (${(build.stdout.match(/Using cache/g) ?? []).length} cached steps)`);

  // A supported Node.js: the current LTS (24), not Node 20, which is end of life.
  assert.match(await docker('run', '--rm', '--network', 'none', '--entrypoint', 'node', image, '-v'), /^v24\./);
  const config = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', image)) as { User: string; Volumes: Record<string, unknown>; Healthcheck?: { Test: string[] } };
  assert.equal(config.User, '1000:1000');
  assert.deepEqual(Object.keys(config.Volumes), ['/data']);
  assert.match(config.Healthcheck?.Test.join(' ') ?? '', /\/healthz/);

  const port = await freePort();
  await docker('run', '-d', '--name', container, '--network', 'host', '-e', `PORT=${port}`, '-e', 'OPUS_HOST=127.0.0.1',
    '-v', `${volume}:/data`, '--read-only', '--tmpfs', '/tmp:rw,size=256m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '--health-interval', '2s', '--health-start-period', '5s', image);
  const logs = async () => (await sh('docker', ['logs', container])).stderr;
  const get = async (path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
  try {
    assert.deepEqual(await eventually(() => get('/healthz'), 60_000, '/healthz'), { ok: true });
    // Ready after the first sync: the server made its embedded config repo with git on /data and synced it.
    assert.equal(((await eventually(() => get('/readyz'), 60_000, '/readyz')) as { ready: boolean }).ready, true);
    assert.equal(await eventually(async () => ((await docker('inspect', '--format', '{{.State.Health.Status}}', container)) === 'healthy' ? true : undefined), 60_000, 'healthy'), true);
  } catch (error) {
    throw new Error(`${String(error)}\ncontainer log:\n${await logs()}`, { cause: error });
  }

  // The server process (pid 1) runs as uid 1000; /data is the volume and belongs to it.
  assert.equal(await docker('exec', container, 'sh', '-c', 'stat -c %u /proc/1'), '1000');
  assert.equal(await docker('exec', container, 'id', '-u'), '1000');
  assert.equal(await docker('exec', container, 'sh', '-c', 'stat -c %u /data && test -d /data/config/.git && echo git-repo'), '1000\ngit-repo');
  assert.notEqual((await sh('docker', ['exec', container, 'touch', '/app/x'])).code, 0, 'the root filesystem is read-only');
  // Production dependencies only, and no sources or tests.
  assert.equal(await docker('exec', container, 'sh', '-c', 'ls /app; test ! -e /app/node_modules/typescript && test ! -e /app/node_modules/supertest && echo prod-only'), 'bin\nconfig\ndist\nnode_modules\npackage.json\nprod-only');
  assert.deepEqual(await get('/api/v1/projects'), { projects: [] });

  // The image is also the helper of Kubernetes build Jobs: `build-transfer` fetches a source and
  // uploads an output through one-time URLs, on a read-only root as uid 1000.
  const dir = await mkdtemp(join(tmpdir(), 'opus-image-transfer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFiles(join(dir, 'source'), { 'public/index.html': '<h1>from the pod</h1>' });
  const transfers = await TransferServer.start('127.0.0.1', 0, (p) => `http://127.0.0.1:${p}`);
  t.after(() => transfers.close());
  const source = transfers.offerDownload(join(dir, 'source'), 60_000);
  const output = transfers.acceptUpload(join(dir, 'output'), 60_000);
  const script = `node /app/bin/run.js build-transfer get ${source.url} /tmp/w && node /app/bin/run.js build-transfer put /tmp/w/public ${output.url}`;
  const helper = await sh('docker', ['run', '--rm', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--entrypoint', 'sh', image, '-c', script]);
  assert.equal(helper.code, 0, helper.stderr + helper.stdout);
  await output.received;
  assert.equal(await readFile(join(dir, 'output', 'index.html'), 'utf8'), '<h1>from the pod</h1>');
});
