// A server started before Docker answers: its build fails with "Docker not reachable at <host>"
// (not as a missing image), and once the engine answers the server builds within seconds, not
// after the 5-minute retry backoff. The engine's socket is a real proxy to the real engine that
// starts listening later.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanDocker, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const engine = (process.env.DOCKER_HOST ?? 'unix:///run/opus-docker/docker.sock').replace(/^unix:\/\//, '');

test('Docker comes back after the server started: the failure said "not reachable", and the build runs within seconds', { timeout: 120_000 }, async (t) => {
  const project = `engine-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-engine-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'back\n' } });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0' }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  const socket = join(dir, 'docker.sock');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const server = spawn(process.execPath, [opusBin, 'server', '--config', configDir, '--data-dir', join(dir, 'data'), '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--log-format', 'json'], {
    env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  t.after(() => void server.kill('SIGKILL'));

  type Project = { status: string; reason?: string; live?: string };
  const status = async () => (await (await fetch(`${url}/api/v1/projects/${project}`)).json()) as Project;
  const failed = await eventually(async () => {
    const p = await status().catch(() => undefined);
    return p?.status === 'failed' ? p : undefined;
  }, 60_000, `the build to fail without an engine: ${log.join('')}`);
  assert.match(failed.reason ?? '', new RegExp(`Docker not reachable at unix://${socket}`));
  assert.doesNotMatch(failed.reason ?? '', /is not on the Docker host|could not be pulled/);

  // The engine answers from now on: a proxy on the socket the server was told about.
  const proxy = createServer((client) => {
    const upstream = createConnection(engine);
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(socket, resolve));
  t.after(() => proxy.close());
  const back = Date.now();
  await eventually(async () => ((await status()).live === '1.0.0' ? true : undefined), 60_000, `the build once Docker answers: ${log.join('')}`);
  assert.ok(Date.now() - back < 30_000, `live ${Date.now() - back} ms after the engine came back`);
  assert.equal(await (await localFetch(`${siteOrigin(url, project)}/`)).text(), 'back\n');
});
