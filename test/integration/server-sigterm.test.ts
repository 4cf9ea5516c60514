// `opus server` (bin/run.js, its own process) stops by itself on SIGTERM (and on Ctrl-C's SIGINT), with code 0, well before
// its forced exit (drain + 30 s), whatever it is doing: just listening, in its first sync, building,
// holding a keep-alive connection, an HTTP/2 session, or a build log followed over SSE (plain and
// over TLS).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { test, type TestContext } from 'node:test';
import { cleanDocker, projectYaml } from '../support/build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { makeCa, makeLeaf } from '../support/test-certificates.js';

/** The forced exit is at drain (0 here) + 30 s; a server that stops by itself does so long before. */
const STOPS_WITHIN_MS = 10_000;
const HOST = 'sigterm.opus.test';

interface Running {
  child: ChildProcess;
  url: string;
  httpsPort?: number;
  ca?: string;
  log: string[];
}

async function startOpus(t: TestContext, args: string[], tls = false): Promise<Running> {
  const dir = await tempDir(t, 'opus-sigterm-');
  const extra: string[] = [];
  let ca: string | undefined;
  if (tls) {
    const made = await makeCa(dir);
    await mkdir(join(dir, 'certs'));
    await makeLeaf(made, join(dir, 'certs'), 'site', [HOST]);
    ca = made.certPath;
    extra.push('--https-port', '0', '--certificates', join(dir, 'certs'), '--dashboard-host', `${HOST},127.0.0.1`);
  }
  const child = spawn(process.execPath, [opusBin, 'server', '--data-dir', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...extra, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined));
  const log: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  const found = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      const line = /Opus is serving on (\S+)(?: and (\S+))? \(API/.exec(log.join(''));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`opus server exited with ${code}: ${log.join('')}`)));
  });
  const https = found[2] ? { httpsPort: Number(new URL(found[2]).port) } : {};
  return { child, url: found[1] ?? '', log, ...https, ...(ca ? { ca } : {}) };
}

/** The signal, then how the process ended and how long it took. */
async function terminate(server: Running, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
  const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  server.child.kill(signal);
  // Cleared once it exited: a pending timer would keep this test file's process alive for 40 s.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 40_000)));
  const code = await Promise.race([exited, late]).finally(() => clearTimeout(timer));
  assert.notEqual(code, 'late', `still running 40 s after ${signal}: ${server.log.join('')}`);
  return { code: code as number | null, ms: Date.now() - started };
}

async function assertStopsByItself(t: TestContext, server: Running, what: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { code, ms } = await terminate(server, signal);
  t.diagnostic(`${what}: exited ${ms} ms after ${signal}`);
  assert.equal(code, 0, `${what}: exit code (log: ${server.log.join('').slice(-2000)})`);
  assert.ok(ms < STOPS_WITHIN_MS, `${what}: stopped ${ms} ms after SIGTERM, not by itself (log: ${server.log.join('').slice(-2000)})`);
}

/** A config repo with one project whose build takes 60 s. */
async function slowBuildConfig(t: TestContext, project: string): Promise<string> {
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-sigterm-config-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'one\n' } });
  return configRepo(join(dir, 'config'), { [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0', command: 'sleep 60' }) });
}

/** A config repo (syncing hourly, so only the first sync runs) with these project files, committed. */
async function configRepo(dir: string, projects: Record<string, string>): Promise<string> {
  await writeFiles(dir, { 'opus.yaml': 'sync:\n  interval: 1h\n', ...projects });
  gitSync(dir, 'init', '--quiet');
  gitSync(dir, 'add', '--all');
  gitSync(dir, 'commit', '--quiet', '-m', 'init');
  return dir;
}

async function buildRunning(server: Running, project: string): Promise<void> {
  await eventually(async () => {
    const { builds } = (await (await fetch(`${server.url}/api/v1/builds?project=${project}`)).json()) as { builds: { status: string }[] };
    return builds[0]?.status === 'running' ? true : undefined;
  }, 60_000, `${project}@1.0.0 running`);
}

/** A follower of the build's log (SSE), once its first event came; the stream stays open. */
function followLog(get: (path: string) => Promise<Response>, project: string): Promise<void> {
  return get(`/api/v1/builds/${project}@1.0.0/log`).then(async (response) => {
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    await response.body?.getReader().read();
  });
}

test('SIGTERM right after "listening": it stops by itself with code 0', async (t) => {
  await assertStopsByItself(t, await startOpus(t, []), 'right after listening');
});

test('SIGTERM while the first sync waits on a source that never answers: it stops by itself', async (t) => {
  // `deploy: latest` of a repository behind a socket that accepts and says nothing: ls-remote waits.
  const silent = new Set<Socket>();
  const mute = createServer((socket) => void silent.add(socket));
  await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of silent) socket.destroy();
    mute.close();
  });
  const { port } = mute.address() as { port: number };
  const dir = await tempDir(t, 'opus-sigterm-config-');
  const config = await configRepo(join(dir, 'config'), { 'projects/mute.yaml': projectYaml(`http://127.0.0.1:${port}/app.git`, { deploy: 'latest' }) });
  const server = await startOpus(t, ['--config', config]);
  await eventually(() => (silent.size > 0 ? true : undefined), 30_000, 'the sync asking the silent source');
  await assertStopsByItself(t, server, 'during the first sync');
});

for (const [signal, who] of [['SIGTERM', 'SIGTERM'], ['SIGINT', 'Ctrl-C (SIGINT)']] as const) {
  test(`${who} during a build, with a keep-alive connection and a log followed over SSE: it stops by itself`, { timeout: 120_000 }, async (t) => {
    const project = `sigterm-${randomUUID().slice(0, 8)}`;
    const server = await startOpus(t, ['--config', await slowBuildConfig(t, project)]);
    await buildRunning(server, project);
    // A keep-alive connection (one answered request, then idle) and an SSE follower of the log.
    const idle = await keptAlive(Number(new URL(server.url).port));
    t.after(() => idle.destroy());
    await followLog((path) => fetch(`${server.url}${path}`), project);
    await assertStopsByItself(t, server, `${who} during a build`, signal);
    assert.match(server.log.join(''), /build stopped with the server/);
  });
}

test('SIGTERM with TLS on: an open HTTP/2 session and a log followed over HTTPS HTTP/1.1 do not keep it alive', { timeout: 120_000 }, async (t) => {
  const project = `sigterm-${randomUUID().slice(0, 8)}`;
  const server = await startOpus(t, ['--config', await slowBuildConfig(t, project)], true);
  await buildRunning(server, project);
  const ca = readFileSync(server.ca ?? '');
  const session = http2Connect(`https://${HOST}:${server.httpsPort}`, { ca, lookup: (_host, options, done) => (options.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)) });
  t.after(() => session.destroy());
  session.on('error', () => undefined);
  const stream = session.request({ ':path': '/healthz' });
  stream.resume();
  await new Promise((resolve) => stream.once('end', resolve));
  // The log followed over TLS with HTTP/1.1: node's HTTP/1 side of the HTTPS server holds this one.
  const socket = tlsConnect({ port: server.httpsPort ?? 0, host: '127.0.0.1', servername: HOST, ca, ALPNProtocols: ['http/1.1'] });
  t.after(() => socket.destroy());
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  socket.write(`GET /api/v1/builds/${project}@1.0.0/log HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
  const head = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  assert.match(head, /text\/event-stream/);
  await assertStopsByItself(t, server, 'with TLS connections open');
});

/** A plain HTTP/1.1 connection that asked once (/healthz) and stays open. */
async function keptAlive(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  return socket;
}
