// A rollout under load drops no request: two real `opus server` processes behind a stand-in for a
// Kubernetes Service (an HTTP proxy on 127.0.0.1 that sends each request to a backend whose
// /readyz answered 200 at its last probe, every 200 ms, and never retries one that failed, as
// an endpoint list fed by readiness probes). The old server gets SIGTERM once the new one is
// ready, while keep-alive clients keep asking; it must fail readiness, finish what it has, and exit 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, gitSync, opusBin, tempDir, writeFiles } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';

const PROBE_MS = 200;
const CLIENTS = 8;

interface Backend { url: string; child: ChildProcess; log: string[]; ready: boolean; served: number }

async function startBackend(t: TestContext, configDir: string, dataDir: string): Promise<Backend> {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, [opusBin, 'server', '--config', configDir, '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1', '--sync-interval', '1h', '--drain', `${PROBE_MS * 5}ms`, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { url: `http://127.0.0.1:${port}`, child, log, ready: false, served: 0 };
}

/** The Service stand-in: round robin over the backends that were ready at their last probe. */
async function startService(t: TestContext, backends: Backend[]) {
  const agent = new Agent({ keepAlive: true });
  const failures: string[] = [];
  let next = 0;
  const probe = setInterval(() => {
    for (const backend of backends) {
      fetch(`${backend.url}/readyz`).then((r) => (backend.ready = r.ok), () => (backend.ready = false));
    }
  }, PROBE_MS);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const ready = backends.filter((b) => b.ready);
    const backend = ready[next++ % Math.max(ready.length, 1)];
    if (!backend) {
      failures.push('no ready backend');
      res.writeHead(503).end();
      return;
    }
    const out = request(`${backend.url}${req.url}`, { agent, method: req.method, headers: req.headers }, (answer) => {
      backend.served += 1;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (error) => {
      failures.push(`${backend.url}: ${String(error)}`);
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(out);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => {
    clearInterval(probe);
    agent.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, failures };
}

test('SIGTERM during a rollout under load: readiness fails, the server drains and exits 0, no request is dropped', { timeout: 90_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-rollout-');
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'builds:\n  concurrency: 1\n' });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const old = await startBackend(t, configDir, join(dir, 'old'));
  const backends = [old];
  const service = await startService(t, backends);
  await eventually(async () => (old.ready ? true : undefined), 60_000, `the old server ready: ${old.log.join('')}`);

  const clientAgent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let stop = false;
  let requests = 0;
  const errors: string[] = [];
  const client = async () => {
    while (!stop) {
      requests += 1;
      const status = await new Promise<number>((resolve) => {
        const req = request(`${service.url}/api/v1/projects`, { agent: clientAgent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', (error) => {
          errors.push(String(error));
          resolve(0);
        });
        req.end();
      });
      if (status !== 200) errors.push(`status ${status}`);
    }
  };
  const clients = Array.from({ length: CLIENTS }, client);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const fresh = await startBackend(t, configDir, join(dir, 'new'));
    backends.push(fresh);
    await eventually(async () => (fresh.ready ? true : undefined), 60_000, `the new server ready: ${fresh.log.join('')}`);
    const servedBefore = old.served;
    const exited = new Promise<number | null>((resolve) => old.child.once('exit', (code) => resolve(code)));
    old.child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, `the old server exited with ${code}: ${old.log.join('').slice(-2000)}`);
    assert.ok(old.served > servedBefore, 'the old server still answered after SIGTERM (it drained, not just closed)');
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    stop = true;
    await Promise.all(clients);
    clientAgent.destroy();
  }
  t.diagnostic(`${requests} requests; old served ${old.served}, new ${backends[1]?.served}`);
  assert.deepEqual([...errors, ...service.failures].slice(0, 10), [], `${errors.length} of ${requests} requests failed`);
  assert.ok((backends[1]?.served ?? 0) > 100, 'the new server took the load');
});
