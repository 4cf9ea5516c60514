// Attacks by a build, against the real `opus server` process and a real Docker build: a
// `network: host` build script that goes for the server's API without a token, the data dir, the
// Docker socket and its own privileges, forks without end, prints its secret in forms a plain mask
// misses, and leaves output made of links, a FIFO, hard links and names with newlines and CRLF.
// The build writes what it saw into its output (report.json), which the test reads from the site.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAttackWorld, VAULT, VAULT_CONTENT } from '../support/attack-world.js';

/** Characters a URL or a shell would change, so the encoded forms differ from the value. */
const SECRET = 'npm_S3cr/t+Tok=n&42 z';

/** The build script: every attack it makes is recorded in dist/report.json (port and data dir are filled in). */
const ATTACK_SCRIPT = String.raw`
const fs = require('node:fs');
const { execSync, spawnSync } = require('node:child_process');
const [port, dataDir] = process.argv.slice(2);
const report = {};
const api = async (method, path) => {
  try {
    const answer = await fetch('http://127.0.0.1:' + port + path, { method, headers: { 'Content-Type': 'application/json', Host: 'localhost:' + port }, body: method === 'GET' ? undefined : '{"version":"1.0.0"}' });
    const text = await answer.text();
    return { status: answer.status, vault: text.includes(process.env.VAULT_MARK) };
  } catch (error) { return { error: String(error) }; }
};
const shell = (command) => spawnSync('sh', ['-c', command], { encoding: 'utf8', timeout: 20000 });
(async () => {
  fs.mkdirSync('dist', { recursive: true });
  report.changes = {
    sync: await api('POST', '/api/v1/sync'),
    deleteVault: await api('DELETE', '/api/v1/projects/vault/artifacts/1.0.0'),
    buildVault: await api('POST', '/api/v1/projects/vault/builds'),
    rollback: await api('POST', '/api/v1/projects/vault/rollback'),
  };
  report.reads = {
    vaultProject: await api('GET', '/api/v1/projects/vault'),
    vaultArchive: await api('GET', '/api/v1/projects/vault/artifacts/1.0.0/archive'),
    vaultLog: await api('GET', '/api/v1/builds/vault%401.0.0/log?follow=0'),
    deliveries: await api('GET', '/api/v1/hooks/deliveries'),
  };
  try { report.vaultSite = (await (await fetch('http://127.0.0.1:' + port + '/', { headers: { Host: 'vault.localhost' } })).text()).includes(process.env.VAULT_MARK); } catch { report.vaultSite = 'error'; }
  report.uid = process.getuid();
  report.status = Object.fromEntries(fs.readFileSync('/proc/self/status', 'utf8').split('\n').filter((l) => /^(CapEff|CapBnd|NoNewPrivs)/.test(l)).map((l) => l.split(/:\s+/)));
  report.dockerSockets = ['/var/run/docker.sock', '/run/docker.sock', '/run/opus-docker/docker.sock'].filter((p) => fs.existsSync(p));
  report.dataDir = fs.existsSync(dataDir);
  report.adminTokens = shell('find / -xdev -name admin-token 2>/dev/null | head -5').stdout.trim();
  report.mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(dataDir) || l.includes('docker.sock'));
  // A fork bomb with an end: far more processes than the pids limit (1024) allows at once.
  const bomb = require('node:child_process').spawn('sh', ['-c', 'i=0; while [ $i -lt 1500 ]; do (sleep 4) 2>/dev/null & i=$((i+1)); done 2>/dev/null; wait'], { stdio: 'ignore', detached: true });
  await new Promise((r) => setTimeout(r, 2500));
  report.processes = fs.readdirSync('/proc').filter((n) => /^[0-9]+$/.test(n)).length;
  process.kill(-bomb.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  // The secret in forms a mask of the value and its base64 misses.
  const secret = process.env.NPM_TOKEN;
  console.log('hex ' + Buffer.from(secret).toString('hex'));
  console.log('HEX ' + Buffer.from(secret).toString('hex').toUpperCase());
  console.log('url ' + encodeURIComponent(secret));
  console.log('form ' + new URLSearchParams({ t: secret }).toString());
  console.log('json ' + JSON.stringify({ secret }));
  process.stdout.write('split ' + secret.slice(0, 5));
  await new Promise((r) => setTimeout(r, 300));
  process.stderr.write(secret.slice(5, 12));
  await new Promise((r) => setTimeout(r, 300));
  process.stdout.write(secret.slice(12) + ' end\n');
  // Output that is not plain files.
  fs.writeFileSync('dist/index.html', '<h1>prowler</h1>\n');
  fs.symlinkSync('/etc/passwd', 'dist/passwd');
  fs.symlinkSync(dataDir + '/state/admin-token', 'dist/token');
  fs.symlinkSync('/proc/self/environ', 'dist/environ');
  fs.symlinkSync('x\nopus: FORGED published vault 9.9.9', 'dist/link\nopus: FORGED LINE');
  fs.mkdirSync('dist/up'); fs.symlinkSync('..', 'dist/up/again'); fs.symlinkSync('again/../../../../../../etc/passwd', 'dist/up/chain');
  execSync('mkfifo dist/fifo');
  fs.writeFileSync('dist/real.txt', 'REAL\n'); fs.linkSync('dist/real.txt', 'dist/hard.txt');
  try { fs.linkSync('/etc/passwd', 'dist/hardpasswd'); report.hardlinkOut = true; } catch (error) { report.hardlinkOut = error.code; }
  fs.mkdirSync('dist/d\r\nSet-Cookie: pwn=1'); fs.writeFileSync('dist/d\r\nSet-Cookie: pwn=1/index.html', 'crlf dir\n');
  fs.writeFileSync('dist/new\nline.html', 'newline name\n');
  fs.writeFileSync('dist/report.json', JSON.stringify(report));
})();
`;

test('attacks by a build script and its output, in real Docker, against a real opus server', { timeout: 240_000 }, async (t) => {
  const world = await startAttackWorld(t, {
    vault: VAULT,
    prowler: {
      versions: { '1.0.0': { 'attack.js': ATTACK_SCRIPT } },
      command: `VAULT_MARK=${VAULT_CONTENT} node attack.js {port} {dataDir}`,
      build: `  network: host\n  secrets:\n    NPM_TOKEN: { env: OPUS_ATTACK_SECRET }`,
    },
  }, { env: { OPUS_ATTACK_SECRET: SECRET } });
  const site = (path: string) => world.get(path, `prowler.localhost:${world.port}`);
  const report = JSON.parse((await site('/report.json')).body) as {
    changes: Record<string, { status?: number }>;
    reads: Record<string, { status?: number; vault?: boolean }>;
    vaultSite: boolean | string;
    uid: number;
    status: Record<string, string>;
    dockerSockets: string[];
    dataDir: boolean;
    adminTokens: string;
    mounts: string[];
    processes: number;
    hardlinkOut: boolean | string;
  };
  const log = await (await world.api('/api/v1/builds/prowler%401.0.0/log?follow=0')).text();

  await t.test('1. from network: host, the API changes nothing without a token', () => {
    for (const [what, answer] of Object.entries(report.changes)) assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer)}`);
  });

  await t.test('2. from network: host, the protected sibling and the deliveries stay closed', () => {
    for (const [what, answer] of Object.entries(report.reads)) {
      assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer)}`);
      assert.equal(answer.vault, false);
    }
    assert.equal(report.vaultSite, false);
  });

  await t.test('3. the vault is still built and live after the attempts', async () => {
    const { artifacts } = (await (await world.api('/api/v1/projects/vault/artifacts')).json()) as { artifacts: { version: string }[] };
    assert.deepEqual(artifacts.map((a) => a.version), ['1.0.0']);
  });

  await t.test('4. the container: not root, no capabilities, no new privileges, no Docker socket, no data dir', () => {
    assert.notEqual(report.uid, 0);
    assert.equal(report.status.CapEff, '0000000000000000');
    assert.equal(report.status.CapBnd, '0000000000000000');
    assert.equal(report.status.NoNewPrivs, '1');
    assert.deepEqual(report.dockerSockets, []);
    assert.equal(report.adminTokens, '', `an admin token is visible in the container: ${report.adminTokens}`);
    assert.deepEqual(report.mounts, []);
  });

  await t.test('5. a fork bomb stops at the pids limit', () => {
    assert.ok(report.processes > 50 && report.processes <= 1024, `${report.processes} processes ran at once`);
  });

  await t.test('6. the secret in hex, HEX, URL-encoded, form-encoded, JSON and split across stdout and stderr never reaches the log', () => {
    const forms = [SECRET, Buffer.from(SECRET).toString('hex'), Buffer.from(SECRET).toString('hex').toUpperCase(), encodeURIComponent(SECRET), new URLSearchParams({ t: SECRET }).toString().slice(2), JSON.stringify(SECRET).slice(1, -1)];
    assert.ok(log.includes('hex ') && log.includes(' end'), `the build printed: ${log.slice(0, 2000)}`);
    for (const form of forms) assert.ok(!log.includes(form), `the log holds ${form}`);
    for (const part of ['S3cr/t', 'Tok=n&42']) assert.ok(!log.includes(part), `the log holds a piece of the secret: ${part}`);
  });

  await t.test('7. nothing outside the output is published: links out, chains, FIFOs; hard links stay files', async () => {
    for (const path of ['/passwd', '/token', '/environ', '/up/chain', '/up/again/index.html', '/fifo', '/hardpasswd']) {
      const answer = await site(path);
      assert.ok(!/root:.*:0:0:/.test(answer.body) && !answer.body.includes(world.token) && !answer.body.includes(SECRET), `${path} leaked`);
      if (path !== '/hardpasswd') assert.equal(answer.status, 404, `${path}: ${answer.status}`);
    }
    assert.equal((await site('/hard.txt')).body, 'REAL\n');
  });

  await t.test('8. names with a newline or CRLF cannot forge a log line or a response header', async () => {
    assert.ok(!log.split('\n').some((line) => line.startsWith('opus: FORGED')), 'a file name forged a log line');
    const crlf = await site('/d%0D%0ASet-Cookie:%20pwn=1');
    assert.equal(crlf.headers['set-cookie'], undefined, 'a directory name set a cookie');
    assert.notEqual(crlf.status, 500);
    const inside = await site('/d%0D%0ASet-Cookie:%20pwn=1/');
    assert.equal(inside.headers['set-cookie'], undefined);
    assert.notEqual((await site('/new%0Aline.html')).status, 500);
  });

  await t.test('9. the secret is in no API answer, build record or archive', async () => {
    for (const path of ['/api/v1/projects/prowler', '/api/v1/projects/prowler/artifacts', '/api/v1/builds?project=prowler', '/api/v1/builds/prowler%401.0.0']) {
      const body = await (await world.api(path)).text();
      assert.ok(!body.includes(SECRET) && !body.includes(encodeURIComponent(SECRET)), `${path} holds the secret`);
    }
    assert.ok(!world.logs.join('').includes(SECRET), 'the server log holds the secret');
  });
});
