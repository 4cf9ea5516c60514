// When the Docker Engine answers again, the server retries the builds that failed for want of it
// (reading their records, then syncing). What that retry fails with (a store that does not answer)
// is logged: no unhandled rejection ends the server. The engine is the real one, behind a socket on
// which nothing listens at first (Docker away), then a proxy to it (Docker back).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import { watchEngine } from '../../src/runtime/engine-watch.js';
import type { Logger } from '../../src/services/logger.js';
import { tempDir } from '../support/fixtures.js';
import { unhandledRejections } from '../support/unhandled-rejections.js';

const ENGINE = (process.env.DOCKER_HOST ?? (existsSync('/run/opus-docker/docker.sock') ? 'unix:///run/opus-docker/docker.sock' : 'unix:///var/run/docker.sock')).replace(/^unix:\/\//, '');

test('Docker answering again runs the retry once; the retry failing is logged, never an unhandled rejection', async (t) => {
  const unhandled = unhandledRejections(t);
  const socketPath = join(await tempDir(t, 'opus-engine-'), 'docker.sock');
  const logged: string[] = [];
  let failureLogged!: () => void;
  const failed = new Promise<void>((resolve) => (failureLogged = resolve));
  const logger: Logger = {
    info: (message) => void logged.push(message),
    warn: (message) => void logged.push(message),
    error: (message, fields) => {
      logged.push(`${message}: ${String(fields?.error)}`);
      failureLogged();
    },
  };
  let retries = 0;
  const watch = await watchEngine(new Docker({ socketPath }), () => ((retries += 1), Promise.reject(new Error('the store does not answer'))), logger, 20);
  t.after(() => watch.stop());
  assert.ok(logged.some((line) => line.startsWith('Docker not reachable')), logged.join('\n'));

  const connections = new Set<Socket>();
  const proxy = createServer((client) => {
    const engine = connect(ENGINE);
    for (const socket of [client, engine]) {
      connections.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => (client.destroy(), engine.destroy()));
    }
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
  t.after(() => {
    for (const socket of connections) socket.destroy();
    proxy.close();
  });
  await failed;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(retries, 1);
  assert.deepEqual(unhandled, []);
  assert.ok(logged.includes('cannot retry the builds that failed for want of Docker: the store does not answer'), logged.join('\n'));
});
