// The operators' CLI (list, status, artifacts, history) run as a user runs it, against a real
// server that really built its projects in Docker: the tables and --json tell the same truth as
// the API, the downloaded archive is what is served, and the exit codes are the documented ones.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tar from 'tar';
import { opus } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { localFetch } from '../support/local-fetch.js';

let w: OpusWorld;

before(async () => {
  w = await startOpusWorld({
    site: { versions: { '1.0.0': { 'public/index.html': 'site 1.0.0\n' }, '1.1.0': { 'public/index.html': 'site 1.1.0\n', 'public/css/app.css': 'body{}\n' } }, deploy: '1.0.0' },
    'web-app': { versions: { '2.0.0': { 'public/index.html': 'web-app 2.0.0\n' } }, deploy: '2.0.0' },
    broken: { versions: { '0.1.0': { 'public/index.html': 'never\n' } }, deploy: '0.1.0', command: 'echo "compiling"; echo "error: no such module" >&2; exit 3' },
  });
  const settled = (list: { name: string; status: string; live?: string }[]) => list.find((p) => p.name === 'broken')?.status === 'failed' && list.filter((p) => p.status === 'synced').length === 2;
  await w.settle(settled);
  const deployed = await w.run('deploy', 'site', '1.1.0');
  assert.equal(deployed.code, 0, deployed.stderr);
  await w.settle((list) => settled(list) && list.find((p) => p.name === 'site')?.live === '1.1.0');
});

after(() => w?.close());

const apiJson = async (path: string): Promise<unknown> => (await w.api(`/api/v1${path}`)).json();
const parse = (stdout: string): unknown => JSON.parse(stdout);
const rowOf = (table: string, name: string) => table.split('\n').find((line) => line.startsWith(`${name} `))?.split(/\s{2,}/);

test('opus list: a table of every project, the same data with --json, exit 1 while one has failed', async () => {
  const table = await w.run('list');
  assert.equal(table.code, 1, table.stderr);
  assert.deepEqual(rowOf(table.stdout, 'site')?.slice(0, 4), ['site', '1.1.0', '1.1.0', 'synced']);
  assert.equal(rowOf(table.stdout, 'site')?.at(-1), w.siteUrl('site'));
  assert.deepEqual(rowOf(table.stdout, 'web-app')?.slice(0, 4), ['web-app', '2.0.0', '2.0.0', 'synced']);
  assert.deepEqual(rowOf(table.stdout, 'broken')?.slice(0, 4), ['broken', '-', '0.1.0', 'failed']);
  assert.match(table.stdout, /\nbroken: error: no such module \(the build command exited with code 3\)/, 'the reason under the table names the cause');
  assert.match(table.stdout, /broken: .*exited with code 3/);

  const json = await w.run('list', '--json');
  assert.equal(json.code, 1);
  assert.deepEqual(parse(json.stdout), await apiJson('/projects'));
});

test('opus list filters by name globs and by status', async () => {
  const names = async (...args: string[]) => {
    const result = await w.run('list', ...args, '--json');
    return { code: result.code, names: (parse(result.stdout) as { projects: { name: string }[] }).projects.map((p) => p.name) };
  };
  assert.deepEqual(await names('web-*'), { code: 0, names: ['web-app'] });
  assert.deepEqual(await names('synced'), { code: 0, names: ['site', 'web-app'] });
  assert.deepEqual(await names('failed'), { code: 1, names: ['broken'] });
  assert.deepEqual(await names('s?te,not-deployed'), { code: 0, names: ['site'] });
  const none = await w.run('list', 'nothing-*');
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no project matches "nothing-\*" \(3 projects in all\)/);
});

test('opus status: one project in full; 1 when it failed, 4 when there is none', async () => {
  const site = await w.run('status', 'site');
  assert.equal(site.code, 0, site.stderr);
  assert.match(site.stdout, /^site: synced/);
  assert.match(site.stdout, /live\s+1\.1\.0/);
  assert.match(site.stdout, new RegExp(`1\\.0\\.0\\s+${w.siteUrl('1-0-0--site').replace(/\./g, '\\.')}`));
  const json = await w.run('status', 'site', '--json');
  assert.deepEqual(parse(json.stdout), await apiJson('/projects/site'));

  const broken = await w.run('status', 'broken');
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /broken: failed \(error: no such module \(the build command exited with code 3\)/);
  assert.match(broken.stdout, /\n {14}error: no such module\n/, 'the cause from the log, on its own line');
  const missing = await w.run('status', 'nope');
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /no project "nope"/);
});

test('opus artifacts lists built versions; download saves what is served; remove refuses the live one', async (t) => {
  const list = await w.run('artifacts', 'site');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(rowOf(list.stdout, '1.1.0')?.slice(0, 2), ['1.1.0', 'live,desired']);
  assert.deepEqual(rowOf(list.stdout, '1.0.0')?.at(-1), w.siteUrl('1-0-0--site'));
  assert.deepEqual(parse((await w.run('artifacts', 'site', '--json')).stdout), await apiJson('/projects/site/artifacts'));

  const dir = await mkdtemp(join(tmpdir(), 'opus-download-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const download = await w.run('artifacts', 'download', 'site', '1.1.0', '-o', join(dir, 'site.tar.gz'), '--json');
  assert.equal(download.code, 0, download.stderr);
  assert.equal((parse(download.stdout) as { file: string }).file, join(dir, 'site.tar.gz'));
  await tar.x({ file: join(dir, 'site.tar.gz'), cwd: dir });
  assert.equal(await readFile(join(dir, 'index.html'), 'utf8'), await (await localFetch(w.siteUrl('site'))).text());
  assert.equal(await readFile(join(dir, 'css/app.css'), 'utf8'), await (await localFetch(`${w.siteUrl('site')}css/app.css`)).text());
  assert.equal((await w.run('artifacts', 'download', 'site', '9.9.9', '-o', join(dir, 'x.tar.gz'))).code, 4);

  const live = await w.run('artifacts', 'remove', 'site', '1.1.0');
  assert.equal(live.code, 2);
  assert.match(live.stderr, /site@1\.1\.0 is live: deploy another version first/);
  const removed = await w.run('artifacts', 'remove', 'site', '1.0.0');
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /removed site@1\.0\.0/);
  assert.deepEqual((parse((await w.run('artifacts', 'site', '--json')).stdout) as { artifacts: { version: string }[] }).artifacts.map((a) => a.version), ['1.1.0']);
});

test('opus history: when, who, from which version to which', async () => {
  const table = await w.run('history', 'site');
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^WHEN\s+WHO\s+CHANGE\s+COMMIT\s+SUBJECT$/);
  assert.match(lines[1] ?? '', /deploy 1\.0\.0 → 1\.1\.0\s+[0-9a-f]{7}\s+deploy site 1\.1\.0 \(was 1\.0\.0\)$/);
  assert.match(lines[2] ?? '', /added at 1\.0\.0/);
  assert.deepEqual(parse((await w.run('history', 'site', '--json')).stdout), await apiJson('/projects/site/history?limit=100'));
  assert.equal((await w.run('history', 'ghost')).code, 4);
});

test('exit codes: 2 for bad input, 3 for a refused token, 1 for an unreachable server; help has examples', async () => {
  const usage = await w.run('status');
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Missing 1 required arg/);
  const refused = await opus(['artifacts', 'remove', 'site', '1.0.0'], { env: { OPUS_SERVER: w.url, OPUS_TOKEN: 'not-the-token', XDG_CONFIG_HOME: join(w.dir, 'xdg') } });
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /opus login/);
  const down = await opus(['list', '--server', 'http://127.0.0.1:9'], { env: { XDG_CONFIG_HOME: join(w.dir, 'xdg') } });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach the Opus server at http:\/\/127\.0\.0\.1:9/);
  const json = await opus(['status', 'nope', '--json'], { env: { OPUS_SERVER: w.url, XDG_CONFIG_HOME: join(w.dir, 'xdg') } });
  assert.equal(json.code, 4);
  assert.match((parse(json.stdout) as { error: { message: string } }).error.message, /no project "nope"/);
  for (const command of [['list'], ['status'], ['artifacts'], ['artifacts', 'download'], ['artifacts', 'remove'], ['history']]) {
    const help = await opus([...command, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /EXAMPLES/, command.join(' '));
  }
});

test('the server URL and token can come from opus login\'s file instead of flags or env', async () => {
  const env = { XDG_CONFIG_HOME: join(w.dir, 'xdg-login') };
  const login = await opus(['login', '--server', w.url, '--token', w.token], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout.includes(w.token), false);
  const list = await opus(['list', 'web-*', '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((parse(list.stdout) as { projects: { name: string }[] }).projects.map((p) => p.name), ['web-app']);
  const saved = JSON.parse(await readFile(join(env.XDG_CONFIG_HOME, 'opus', 'cli.json'), 'utf8')) as { server: string };
  assert.equal(saved.server, w.url);
  assert.equal(w.logs.some((line) => line.includes(w.token)), false);
});
