// `opus server --https-port 0 --certificates DIR` as a user runs it (the CLI, its own process):
// HTTPS on a second port with the certificate from the directory, the API and health over HTTP/2
// (the compatibility layer and Koa), and GET /api/v1/certificates listing the file's certificate.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { opusBin, tempDir } from '../support/fixtures.js';
import { makeCa, makeLeaf } from '../support/test-certificates.js';

const run = promisify(execFile);
const HOST = 'cli.opus.test';

test('the CLI serves HTTPS with own certificates: health and API over HTTP/2, the certificate listed', async (t) => {
  const dir = await tempDir(t, 'opus-https-cli-');
  const ca = await makeCa(dir);
  const certs = join(dir, 'certs');
  await mkdir(certs);
  const leaf = await makeLeaf(ca, certs, 'cli', [HOST]);
  const child = spawn(process.execPath, [opusBin, 'server', '--data-dir', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--https-port', '0', '--certificates', certs, '--dashboard-host', HOST, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Stopped, and waited for, before the test ends: a server still running would keep this file's process alive.
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /Opus is serving on (\S+) and (\S+) \(API/.exec(out); // the whole line: a chunk may end mid-URL
      if (found) resolve(found[2] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`opus server exited with ${code}: ${out}`)));
  });
  const port = new URL(line).port;
  const curl = (path: string) => run('curl', ['-sS', '--http2', '--cacert', ca.certPath, '--resolve', `${HOST}:${port}:127.0.0.1`, '-w', '\n%{http_version}', `https://${HOST}:${port}${path}`]);
  const health = await curl('/healthz');
  assert.equal(health.stdout, '{"ok":true}\n2');
  const listed = await curl('/api/v1/certificates');
  const [body = '', version] = listed.stdout.split('\n');
  assert.equal(version, '2');
  const notAfter = new Date(new X509Certificate(leaf.cert).validTo).toISOString();
  assert.deepEqual(JSON.parse(body), { https: true, certificates: [{ name: HOST, source: 'files', notAfter }] });
});
