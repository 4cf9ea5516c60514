// Attacks by request bytes alone, against the real `opus server` process with its embedded defaults
// and two real Docker builds: `alpha` (public, whose own output carries hostile _redirects) and
// `vault` (basic auth). Nothing may show the vault's page, the admin token or a host file, and no
// request without the token may change anything. Each attack is one assertion that fails when its
// defence breaks.
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { test } from 'node:test';
import { exchange, rawRequest } from '../support/raw-http.js';
import { startAttackWorld, VAULT, VAULT_CONTENT, vaultCredentials, type AttackWorld } from '../support/attack-world.js';

const ALPHA_CONTENT = 'ALPHA-PAGE-21c9';

/** A rewrite (200) that the build output asks for may only ever serve a file of its own version. */
const HOSTILE_REDIRECTS = [
  '/steal-vault     /../vault/1.0.0/index.html                  200',
  '/steal-vault-enc /%2e%2e/vault/1.0.0/index.html              200',
  '/steal-token     /../../../state/admin-token                 200',
  '/steal-token-enc /..%2f..%2f..%2fstate%2fadmin-token          200',
  '/steal-passwd    /../../../../../../../../../../etc/passwd    200',
  '/steal-splat/*   /../:splat                                   200!',
].join('\n');

let world: AttackWorld;

/** Every way this file leaks: the vault's page, the admin token, a host file. */
function assertNoLeak(body: string, what: string): void {
  assert.ok(!body.includes(VAULT_CONTENT), `${what}: the vault's page leaked`);
  assert.ok(!body.includes(world.token), `${what}: the admin token leaked`);
  assert.ok(!/root:.*:0:0:/.test(body), `${what}: /etc/passwd leaked`);
}

test('attacks by request bytes against a real opus server', { timeout: 200_000 }, async (t) => {
  world = await startAttackWorld(t, {
    alpha: {
      versions: { '1.0.0': { 'public/index.html': `<h1>${ALPHA_CONTENT}</h1>\n`, 'public/_redirects': `${HOSTILE_REDIRECTS}\n`, 'public/_headers': '/*\n  X-Alpha: 1\n' } },
      command: 'mkdir -p dist && cp -r public/. dist/',
    },
    vault: VAULT,
  });
  const alpha = `alpha.localhost:${world.port}`;
  const vault = `vault.localhost:${world.port}`;
  const raw = (bytes: string | Buffer, expect = 1, waitMs = 3_000) => exchange(world.port, [bytes], { expect, waitMs });
  const rawBody = async (bytes: string | Buffer, expect = 1, waitMs = 3_000) => {
    const { responses } = await raw(bytes, expect, waitMs);
    return { statuses: responses.map((r) => r.status), text: responses.map((r) => `${r.headWithoutDate}\n${r.body.toString('latin1')}`).join('\n') };
  };

  // Baseline: the credentials open the vault, so the leaks below would be visible.
  assert.ok((await world.get('/', vault, vaultCredentials())).body.includes(VAULT_CONTENT));
  assert.ok((await world.get('/', alpha)).body.includes(ALPHA_CONTENT));

  await t.test('1. the vault under other spellings of its host: case, trailing dot, ports, spaces', async () => {
    for (const host of ['VAULT.LOCALHOST', 'Vault.Localhost:1', 'vault.localhost.', `vault.localhost.:${world.port}`, 'vault.localhost:99999', 'vault.localhost:', ' vault.localhost ', 'vault.localhost:80:80', '1-0-0--vault.localhost', '1.0.0--vault.localhost', 'latest--vault.localhost']) {
      const answer = await world.get('/', host);
      assertNoLeak(answer.body, `Host ${JSON.stringify(host)}`);
      assert.ok([400, 401, 404].includes(answer.status), `Host ${JSON.stringify(host)}: ${answer.status}`);
    }
  });

  await t.test('2. absolute-form request targets naming the vault or the API on another Host', async () => {
    const vaultAbsolute = await rawBody(`GET http://vault.localhost:${world.port}/ HTTP/1.1\r\nHost: ${alpha}\r\nConnection: close\r\n\r\n`);
    assertNoLeak(vaultAbsolute.text, 'absolute-form to the vault');
    const viaDashboard = await rawBody(`GET http://${vault}/ HTTP/1.1\r\nHost: localhost:${world.port}\r\nConnection: close\r\n\r\n`);
    assertNoLeak(viaDashboard.text, 'absolute-form to the vault on the dashboard host');
    const apiOnSite = await rawBody(`DELETE http://localhost:${world.port}/api/v1/projects/alpha/artifacts/1.0.0 HTTP/1.1\r\nHost: ${alpha}\r\nConnection: close\r\n\r\n`);
    assert.notEqual(apiOnSite.statuses[0], 200);
    assert.equal((await world.api('/api/v1/projects/alpha/artifacts')).status, 200);
  });

  await t.test('3. X-Forwarded-Host without --trust-proxy: no other site, no API on a site host', async () => {
    const forwarded = await world.get('/', alpha, { 'X-Forwarded-Host': vault, Forwarded: `host=${vault}` });
    assertNoLeak(forwarded.body, 'X-Forwarded-Host: vault');
    assert.ok(forwarded.body.includes(ALPHA_CONTENT));
    const api = await world.get('/api/v1/projects', alpha, { 'X-Forwarded-Host': `localhost:${world.port}` });
    assert.ok(!api.body.includes('"projects"'), 'the API answered on a site host');
  });

  await t.test('4. two Host headers, a Host with NUL, LF or userinfo', async () => {
    for (const head of [`Host: ${alpha}\r\nHost: ${vault}`, `Host: ${vault}\r\nHost: ${alpha}`, `Host: ${alpha}\x00${vault}`, `Host: ${alpha}@${vault}`, `Host: ${vault}\n`, `Host: ${alpha}\r\n ${vault}`]) {
      const answer = await rawBody(`GET / HTTP/1.1\r\n${head}\r\nConnection: close\r\n\r\n`);
      assertNoLeak(answer.text, `head ${JSON.stringify(head)}`);
    }
  });

  await t.test('5. the fast path after the owner read the vault: the same bytes without credentials, pipelined behind a public site', async () => {
    const withAuth = rawRequest('/', { Host: vault, ...vaultCredentials() });
    const seen = await raw(withAuth + withAuth, 2);
    assert.deepEqual(seen.responses.map((r) => r.status), [200, 200]);
    const stranger = await rawBody(rawRequest('/', { Host: vault }));
    assert.equal(stranger.statuses[0], 401);
    assertNoLeak(stranger.text, 'a repeat without credentials');
    const pipelined = await rawBody(rawRequest('/', { Host: alpha }) + rawRequest('/', { Host: vault }) + rawRequest('/index.html', { Host: vault }), 3);
    assert.deepEqual(pipelined.statuses, [200, 401, 401]);
    assertNoLeak(pipelined.text, 'pipelined behind alpha');
    const wrong = await rawBody(rawRequest('/', { Host: vault, Authorization: `Basic ${Buffer.from('team:wrong').toString('base64')}` }));
    assert.equal(wrong.statuses[0], 401);
  });

  await t.test('6. paths out of the version: .., encoded slashes and dots, backslashes, NUL, overlong UTF-8', async () => {
    const paths = [
      '/../../../state/admin-token', '/%2e%2e/%2e%2e/%2e%2e/state/admin-token', '/..%2f..%2f..%2fstate%2fadmin-token', '/%2E%2E%2F%2E%2E%2F%2E%2E%2Fstate%2Fadmin-token',
      '/..%5c..%5c..%5cstate%5cadmin-token', '/.%2e/.%2e/.%2e/state/admin-token', '/%252e%252e/%252e%252e/%252e%252e/state/admin-token', '/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/state/admin-token',
      '/../vault/1.0.0/index.html', '/%2e%2e/vault/1.0.0/index.html', '/..%2fvault%2f1.0.0%2findex.html', '/index.html%00/../../vault/1.0.0/index.html', '/..;/vault/1.0.0/index.html',
      '/../../../../../../../../etc/passwd', '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '//etc/passwd', '/index.html%00.png',
      '/_headers', '/_redirects', '/.opus/live.json', '/../.opus/live.json', '/%2e%2e/archive/1.0.0.tar.gz',
    ];
    for (const path of paths) {
      const answer = await rawBody(`GET ${path} HTTP/1.1\r\nHost: ${alpha}\r\nConnection: close\r\n\r\n`);
      assertNoLeak(answer.text, path);
      assert.notEqual(answer.statuses[0], 500, `${path}: a server error`);
    }
    for (const rules of ['/_headers', '/_redirects']) assert.equal((await world.get(rules, alpha)).status, 404, `${rules} is served`);
  });

  await t.test('7. rewrites in the build output that climb out of the version', async () => {
    for (const path of ['/steal-vault', '/steal-vault-enc', '/steal-token', '/steal-token-enc', '/steal-passwd', '/steal-splat/vault/1.0.0/index.html', '/steal-splat/../../state/admin-token']) {
      const answer = await world.get(path, alpha);
      assertNoLeak(answer.body, `_redirects ${path}`);
      assert.notEqual(answer.status, 500, `${path}: a server error`);
    }
  });

  await t.test('8. look-alike hosts: IDN bytes, punycode, preview hosts of things that are not versions', async () => {
    const idn = await rawBody(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: v'), Buffer.from('а', 'utf8'), Buffer.from(`ult.localhost:${world.port}\r\nConnection: close\r\n\r\n`)]));
    assertNoLeak(idn.text, 'a Cyrillic а in the vault host');
    for (const host of ['xn--vult-8ve.localhost', 'archive--alpha.localhost', 'archive--vault.localhost', 'latest--alpha.localhost', '1-0-0--vault.localhost', 'x--opus.localhost', 'logs--opus.localhost', 'opus.localhost', 'api.localhost', '..--alpha.localhost', 'state.localhost']) {
      for (const path of ['/', '/1.0.0.tar.gz', '/admin-token', '/live.json', '/vault/1.0.0.log']) {
        const answer = await world.get(path, host);
        assertNoLeak(answer.body, `${host}${path}`);
        if (host.startsWith('archive--')) assert.notEqual(answer.status, 200, `${host}${path} served the archive directory as a version`);
      }
    }
  });

  await t.test('9. the dashboard and the API never answer on a site host', async () => {
    for (const path of ['/_opus/', '/_opus/login', '/api/v1/projects', '/api/v1/openapi.json', '/metrics']) {
      const answer = await world.get(path, alpha);
      assert.ok(!answer.body.includes('"projects"') && !answer.body.includes('openapi') && !answer.body.includes('opus_') && !/<title>[^<]*Opus/i.test(answer.body), `${path} on a site host`);
    }
    const hook = await world.get('/api/v1/sync', alpha, { 'Content-Length': '0' }, 'POST');
    assert.notEqual(hook.status, 200);
  });

  await t.test('10. no change without a credential: no token, bad tokens, a dashboard-looking request without a session', async () => {
    const changes: [string, string][] = [['POST', '/api/v1/sync'], ['DELETE', '/api/v1/projects/alpha/artifacts/1.0.0'], ['POST', '/api/v1/projects/alpha/builds'], ['DELETE', '/api/v1/builds/alpha%401.0.0'], ['POST', '/api/v1/projects/alpha/rollback']];
    const spoofs: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer ' },
      { Authorization: `Bearer ${world.token.slice(0, -1)}` },
      { Authorization: `Bearer ${world.token}x` },
      { Authorization: `Bearer ${world.token.toUpperCase()}` },
      { Authorization: `Basic ${Buffer.from(`opus:${world.token.slice(1)}`).toString('base64')}` },
      { Origin: `http://localhost:${world.port}`, 'X-Opus-Request': 'dashboard', 'Sec-Fetch-Site': 'same-origin' },
      { Origin: `http://localhost:${world.port}`, 'X-Opus-Request': 'dashboard', Cookie: 'opus_session=forged; session=forged' },
      { 'X-Forwarded-For': '127.0.0.1', 'X-Real-IP': '127.0.0.1' },
    ];
    for (const [method, path] of changes) {
      for (const headers of spoofs) {
        for (const host of [`localhost:${world.port}`, `127.0.0.1:${world.port}`]) {
          const answer = await world.get(path, host, { 'Content-Type': 'application/json', 'Content-Length': '2', ...headers }, method);
          assert.ok([401, 403].includes(answer.status), `${method} ${path} with ${JSON.stringify(headers)} on ${host}: ${answer.status}`);
        }
      }
    }
    assert.equal((await world.api('/api/v1/projects/alpha/artifacts')).status, 200);
    const { artifacts } = (await (await world.api('/api/v1/projects/alpha/artifacts')).json()) as { artifacts: unknown[] };
    assert.equal(artifacts.length, 1, 'a version of alpha went missing');
  });

  await t.test('10b. a session cookie tossed in front of the real one (a sibling site on a shared parent domain) does not log the operator out', async () => {
    const dashboardOrigin = `http://localhost:${world.port}`;
    const login = await world.get('/_opus/session', `localhost:${world.port}`, { Origin: dashboardOrigin, 'X-Opus-Request': 'dashboard', 'Content-Type': 'application/json', 'Content-Length': String(JSON.stringify({ token: world.token }).length) }, 'POST', JSON.stringify({ token: world.token }));
    const session = /opus_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
    assert.ok(session, `no session: ${login.status}`);
    const tossed = `opus_session=1999999999999.${'A'.repeat(43)}; opus_session=${session}`;
    const state = await world.get('/_opus/session', `localhost:${world.port}`, { Cookie: tossed });
    assert.deepEqual(JSON.parse(state.body), { loggedIn: true });
    const forgedOnly = await world.get('/_opus/session', `localhost:${world.port}`, { Cookie: `opus_session=1999999999999.${'A'.repeat(43)}` });
    assert.deepEqual(JSON.parse(forgedOnly.body), { loggedIn: false });
  });

  await t.test('11. reads of the protected project through the API, lists and metrics', async () => {
    const dashboard = `localhost:${world.port}`;
    for (const path of ['/api/v1/projects/vault', '/api/v1/projects/vault/artifacts', '/api/v1/projects/vault/artifacts/1.0.0/archive', '/api/v1/builds/vault%401.0.0', '/api/v1/builds/vault%401.0.0/log?follow=0', '/api/v1/builds?project=vault', '/api/v1/projects/vault/history', '/api/v1/projects/vault/previews', '/api/v1/hooks/deliveries']) {
      const answer = await world.get(path, dashboard);
      assert.equal(answer.status, 401, `${path}: ${answer.status}`);
      assert.equal((await world.get(path, dashboard, {}, 'HEAD')).status, 401, `HEAD ${path}`);
    }
    const followed = await world.get('/api/v1/builds/vault%401.0.0/log', dashboard, { Accept: 'text/event-stream' });
    assert.equal(followed.status, 401, 'the followed log');
    for (const path of ['/api/v1/projects', '/api/v1/builds', '/api/v1/sync', '/metrics', '/api/v1/openapi.json']) {
      const answer = await world.get(path, dashboard);
      assert.ok(!answer.body.includes('vault'), `${path} names the protected project: ${answer.body.slice(0, 300)}`);
    }
    const theirs = await world.get('/api/v1/projects/alpha/artifacts/1.0.0/archive', dashboard, vaultCredentials());
    assert.equal(theirs.status, 200, 'a public archive');
    const crossed = await world.get('/api/v1/projects/vault/artifacts/1.0.0/archive', dashboard, { Authorization: `Basic ${Buffer.from(`alpha:x`).toString('base64')}` });
    assert.equal(crossed.status, 401);
  });

  await t.test('12. overlong paths and headers, then the server still serves', async () => {
    const long = await raw(`GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: ${alpha}\r\nConnection: close\r\n\r\n`);
    assert.ok(long.closedByServer || (long.responses[0]?.status ?? 0) >= 400);
    const header = await raw(`GET / HTTP/1.1\r\nHost: ${alpha}\r\nX-Big: ${'b'.repeat(100_000)}\r\nConnection: close\r\n\r\n`);
    assert.ok(header.closedByServer || (header.responses[0]?.status ?? 0) === 431 || (header.responses[0]?.status ?? 0) === 400);
    const many = await raw(`GET / HTTP/1.1\r\nHost: ${alpha}\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\nConnection: close\r\n\r\n`);
    assert.ok(!many.responses.some((r) => r.status === 500));
    assert.ok((await world.get('/', alpha)).body.includes(ALPHA_CONTENT));
  });

  await t.test('13. request smuggling: CL.TE, TE.CL, obfuscated Transfer-Encoding, a GET with a body hiding a second request', async () => {
    const inner = `DELETE /api/v1/projects/alpha/artifacts/1.0.0 HTTP/1.1\r\nHost: localhost:${world.port}\r\n\r\n`;
    const smuggles = [
      `POST / HTTP/1.1\r\nHost: ${alpha}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: ${alpha}\r\nTransfer-Encoding: chunked\r\nContent-Length: ${inner.length + 5}\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: ${alpha}\r\nTransfer-Encoding: xchunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: ${alpha}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST / HTTP/1.1\r\nHost: ${alpha}\r\nContent-Length: 0\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
      `GET / HTTP/1.1\r\nHost: ${alpha}\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
      `GET / HTTP/1.1\r\nHost: ${alpha}\r\n\r\nGET / HTTP/1.1\r\nHost: ${vault}\r\n\r\n`,
    ];
    for (const bytes of smuggles) {
      const answer = await rawBody(bytes, 3, 1_000);
      assertNoLeak(answer.text, 'smuggled');
      assert.ok(!answer.statuses.includes(200) || answer.text.includes(ALPHA_CONTENT), 'a smuggled change answered 200');
    }
    const { artifacts } = (await (await world.api('/api/v1/projects/alpha/artifacts')).json()) as { artifacts: unknown[] };
    assert.equal(artifacts.length, 1, 'a smuggled DELETE removed a version');
  });

  await t.test('14. HTTP/2 with prior knowledge on the plain port, and h2c upgrade: refused, and the server goes on', async () => {
    const session = http2Connect(`http://127.0.0.1:${world.port}`);
    const outcome = await new Promise<string>((resolve) => {
      session.on('error', () => resolve('error'));
      const stream = session.request({ ':path': '/', ':authority': vault });
      let body = '';
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
      stream.on('end', () => resolve(body));
      stream.on('error', () => resolve('error'));
      setTimeout(() => resolve('timeout'), 3_000).unref();
    });
    session.destroy();
    assertNoLeak(outcome, 'h2 prior knowledge');
    const upgrade = await rawBody(`GET / HTTP/1.1\r\nHost: ${vault}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`);
    assertNoLeak(upgrade.text, 'h2c upgrade');
    assert.ok((await world.get('/', alpha)).body.includes(ALPHA_CONTENT));
  });
});
