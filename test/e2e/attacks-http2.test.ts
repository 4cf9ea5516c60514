// Attacks over the HTTPS port (HTTP/2 and HTTP/1.1 by ALPN) of the real `opus server` process with
// its own certificates: :authority and Host that disagree, an SNI name of one site with the
// :authority of another (domain fronting), replays of the protected vault's kept answer without
// credentials on the HTTP/2 fast path, traversal in :path, and changes without a token.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { connect as http2Connect, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { tempDir } from '../support/fixtures.js';
import { freePort, startAttackWorld, VAULT, VAULT_CONTENT, vaultCredentials } from '../support/attack-world.js';
import { makeCa, makeLeaf } from '../support/test-certificates.js';

function h2(port: number, servername: string): ClientHttp2Session {
  // An attacker does not care whether the certificate is trusted.
  return http2Connect(`https://127.0.0.1:${port}`, { servername, rejectUnauthorized: false });
}

function ask(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let text = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

test('attacks over HTTP/2 and TLS on the HTTPS port', { timeout: 200_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-attack-tls-');
  const certificates = join(dir, 'certs');
  await mkdir(certificates);
  await makeLeaf(await makeCa(dir), certificates, 'sites', ['alpha.localhost', 'vault.localhost', '1-0-0--vault.localhost', 'localhost']);
  const httpsPort = await freePort();
  const world = await startAttackWorld(t, {
    alpha: { versions: { '1.0.0': { 'public/index.html': '<h1>ALPHA</h1>\n' } }, command: 'mkdir -p dist && cp -r public/. dist/' },
    vault: VAULT,
  }, { args: ['--https-port', String(httpsPort), '--certificates', certificates] });
  const noLeak = (body: string, what: string) => {
    assert.ok(!body.includes(VAULT_CONTENT), `${what}: the vault leaked`);
    assert.ok(!body.includes(world.token), `${what}: the token leaked`);
    assert.ok(!/root:.*:0:0:/.test(body), `${what}: /etc/passwd leaked`);
  };

  const alpha = h2(httpsPort, 'alpha.localhost');
  const vault = h2(httpsPort, 'vault.localhost');
  t.after(() => (alpha.destroy(), vault.destroy()));
  const owner = await ask(vault, { ':path': '/', ':authority': 'vault.localhost', ...vaultCredentials() });
  assert.ok(owner.body.includes(VAULT_CONTENT), `the owner reads the vault over HTTP/2: ${owner.status}`);
  await ask(vault, { ':path': '/', ':authority': 'vault.localhost', ...vaultCredentials() });

  await t.test('1. the same stream without credentials after the owner read it (HTTP/2 fast path)', async () => {
    for (const path of ['/', '/index.html']) {
      const replay = await ask(vault, { ':path': path, ':authority': 'vault.localhost' });
      assert.equal(replay.status, 401, path);
      noLeak(replay.body, `replay of ${path}`);
    }
  });

  await t.test('2. :authority and Host that disagree, either way round', async () => {
    for (const headers of [{ ':authority': 'alpha.localhost', host: 'vault.localhost' }, { ':authority': 'vault.localhost', host: 'alpha.localhost' }, { ':authority': 'localhost', host: 'vault.localhost' }]) {
      for (const session of [alpha, vault]) noLeak((await ask(session, { ':path': '/', ...headers }).catch((error: Error) => ({ status: 0, body: error.message }))).body, JSON.stringify(headers));
    }
  });

  await t.test('3. domain fronting: the SNI name of a public site, the :authority of the vault or its preview', async () => {
    for (const authority of ['vault.localhost', 'VAULT.localhost', 'vault.localhost.', '1-0-0--vault.localhost']) {
      const fronted = await ask(alpha, { ':path': '/', ':authority': authority });
      assert.notEqual(fronted.status, 200, authority);
      noLeak(fronted.body, `fronted ${authority}`);
    }
  });

  await t.test('4. :path traversal and the API without a token over HTTP/2', async () => {
    for (const path of ['/../../../state/admin-token', '/%2e%2e/%2e%2e/%2e%2e/state/admin-token', '/..%2f..%2f..%2fstate%2fadmin-token', '/../vault/1.0.0/index.html', '/%2e%2e/vault/1.0.0/index.html', '/../../../../../../etc/passwd']) {
      noLeak((await ask(alpha, { ':path': path, ':authority': 'alpha.localhost' })).body, path);
    }
    const dashboard = h2(httpsPort, 'localhost');
    t.after(() => dashboard.destroy());
    for (const [method, path] of [['POST', '/api/v1/sync'], ['DELETE', '/api/v1/projects/alpha/artifacts/1.0.0'], ['POST', '/api/v1/projects/vault/builds']]) {
      const answer = await ask(dashboard, { ':method': method, ':path': path, ':authority': 'localhost', 'content-type': 'application/json', origin: 'https://localhost', 'x-opus-request': 'dashboard' }, '{"version":"1.0.0"}');
      assert.equal(answer.status, 401, `${method} ${path}`);
    }
    for (const path of ['/api/v1/projects/vault', '/api/v1/projects/vault/artifacts/1.0.0/archive']) assert.equal((await ask(dashboard, { ':path': path, ':authority': 'localhost' })).status, 401, path);
  });

  await t.test('5. HTTP/1.1 over TLS: the vault pipelined behind the public site after the owner read it', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ port: httpsPort, host: '127.0.0.1', servername: 'alpha.localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write('GET / HTTP/1.1\r\nHost: alpha.localhost\r\n\r\nGET / HTTP/1.1\r\nHost: vault.localhost\r\n\r\nGET /index.html HTTP/1.1\r\nHost: vault.localhost\r\nConnection: close\r\n\r\n');
      });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      setTimeout(() => (socket.destroy(), resolve(received)), 5_000).unref();
    });
    assert.deepEqual([...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]), ['200', '401', '401']);
    noLeak(text, 'pipelined over TLS');
  });
});
