// Builds that attack, really built in Docker by a real Opus server: symlink chains out of the
// output, links to /dev/zero and /etc/passwd named _headers, _redirects and index.html, a sparse
// huge file, too many files, a workspace filled outside the output, a log flood, a script that
// prints its secret. What lands in the artifact tree and the log is confined, capped and masked,
// and the live version keeps serving.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { cleanDocker, projectYaml, startBuildServer } from '../support/build-server.js';
import { eventually, makeSourceRepo, tempDir } from '../support/fixtures.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const GOOD = 'mkdir -p dist && echo "<h1>v1</h1>" > dist/index.html';
/** d0 → ".", d1 → "d0/..", …: each link alone stays inside (lexically), the chain climbs to "/". */
const CLIMB = `ln -s . dist/d0 && i=0; while [ $i -lt 16 ]; do ln -s d$i/.. dist/d$((i+1)); i=$((i+1)); done`;
const ATTACKS: Record<string, { script: string; build?: string }> = {
  links: {
    script: `mkdir -p dist/assets && echo about > dist/about.html && ln -s about.html dist/ok.html && ${CLIMB}
ln -s d16/etc/passwd dist/_headers && ln -s d16/dev/zero dist/_redirects && ln -s /etc/passwd dist/index.html
ln -s ../../../../../../../../../../etc/hostname dist/assets/up.txt && ln -s /proc/self/environ dist/env.txt && mkfifo dist/fifo`,
  },
  sparse: { script: 'mkdir -p dist && echo hi > dist/index.html && dd if=/dev/zero of=dist/big.bin bs=1 count=0 seek=104857600' },
  // Outside the output, in the container's workspace: 200 MiB written, then a 100 GiB sparse file, then a wait it never reaches the end of.
  disk: { script: 'mkdir -p dist && echo hi > dist/index.html && dd if=/dev/zero of=fill.bin bs=1M count=200 2>/dev/null && dd if=/dev/zero of=/tmp/sparse.bin bs=1 count=0 seek=107374182400 2>/dev/null; sleep 120', build: 'limits: { disk: 64m }' },
  many: { script: 'mkdir -p dist && i=0; while [ $i -lt 300 ]; do echo $i > dist/f$i.txt; i=$((i+1)); done', build: 'limits: { files: 100 }' },
  flood: { script: `mkdir -p dist && echo flood > dist/index.html && yes 'flooding the build log with a long line of text' | head -c 3000000`, build: 'limits: { log: 64k }' },
  secret: {
    script: `mkdir -p dist && echo ok > dist/index.html && echo "plain: $NPM_TOKEN" && printf '%s' "$NPM_TOKEN" | base64 && echo "file: $FILE_KEY"
printf 'split: %s' "\${NPM_TOKEN%????????????}"; sleep 0.5; printf '%s\\n' "\${NPM_TOKEN#\${NPM_TOKEN%????????????}}"
printf 'user:%s' "$NPM_TOKEN" | base64`,
    build: 'secrets: { NPM_TOKEN: { env: OPUS_E2E_NPM_TOKEN }, FILE_KEY: { file: SECRET_FILE } }',
  },
  missing: { script: GOOD, build: 'secrets: { NPM_TOKEN: { env: OPUS_E2E_NOT_SET } }' },
};

/** Relative path → kind of every entry under dir. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const info = await lstat(join(e.parentPath, e.name));
    out[relative(dir, join(e.parentPath, e.name))] = info.isFile() ? `file ${info.size}` : info.isDirectory() ? 'dir' : 'OTHER';
  }
  return out;
}

test('hostile build output and scripts are confined, capped and masked; every site keeps serving its live version', async (t) => {
  const run = randomUUID().slice(0, 6);
  const name = (attack: string) => `${attack}-${run}`;
  for (const attack of Object.keys(ATTACKS)) t.after(() => cleanDocker(name(attack)));
  const dir = await tempDir(t, 'opus-hostile-');
  const token = `npm_${randomUUID().replaceAll('-', '')}`;
  const fileKey = `key-${randomUUID()}`;
  await writeFile(join(dir, 'file-key'), `${fileKey}\n`);
  process.env.OPUS_E2E_NPM_TOKEN = token;
  t.after(() => delete process.env.OPUS_E2E_NPM_TOKEN);
  const files: Record<string, string> = { 'opus.yaml': 'builds:\n  concurrency: 2\n' };
  for (const [attack, { script, build }] of Object.entries(ATTACKS)) {
    const source = await makeSourceRepo(join(dir, attack), { '1.0.0': { 'build.sh': `${GOOD}\n` }, '2.0.0': { 'build.sh': `set -e\n${script}\n` } });
    const yaml = projectYaml(source, { deploy: '1.0.0', command: 'sh build.sh', ...(build ? { build: build.replace('SECRET_FILE', join(dir, 'file-key')) } : {}) });
    files[`projects/${name(attack)}.yaml`] = attack === 'missing' ? yaml.replace("deploy: \"1.0.0\"", 'deploy: "2.0.0"') : yaml;
  }
  const s = await startBuildServer(t, { files });
  const served = async (project: string, path = '') => {
    // On the project's own host, as a browser asks for it.
    const response = await localFetch(`${siteOrigin(s.url, project)}/${path}`);
    return { status: response.status, text: await response.text(), headers: JSON.stringify([...response.headers]) };
  };
  const finished = async (project: string, version: string) => {
    const record = await s.store.readBuild(project, version);
    return record && record.status !== 'running' && record.status !== 'queued' ? record : undefined;
  };
  const live = Object.keys(ATTACKS).filter((a) => a !== 'missing');
  await eventually(async () => (live.every((a) => s.sites.liveVersion(name(a)) === '1.0.0') ? true : undefined), 120_000, 'every good 1.0.0 live');

  for (const attack of live) {
    const path = `projects/${name(attack)}.yaml`;
    files[path] = (files[path] ?? '').replace('deploy: "1.0.0"', 'deploy: "2.0.0"');
  }
  await s.commit(files, 'deploy the hostile builds');
  await s.sync.sync();
  const records = Object.fromEntries(await Promise.all(Object.keys(ATTACKS).map(async (a) => [a, await eventually(() => finished(name(a), '2.0.0'), 180_000, `the build of ${a}`)] as const)));
  const log = (attack: string) => readFile(s.store.logPath(name(attack), '2.0.0'), 'utf8');

  // Links: only regular files and directories are published; links inside became their files.
  assert.equal(records.links?.status, 'succeeded', records.links?.error);
  assert.deepEqual(await tree(s.store.versionDir(name('links'), '2.0.0')), { assets: 'dir', 'about.html': 'file 6', 'ok.html': 'file 6' });
  const linksLog = await log('links');
  for (const dropped of ['_headers', '_redirects', 'index.html', 'assets/up.txt', 'env.txt', 'fifo', 'd0', 'd16']) assert.match(linksLog, new RegExp(`opus: (dropped|left out) ${dropped}: `), `${dropped} in the log:\n${linksLog}`);
  await eventually(() => (s.sites.liveVersion(name('links')) === '2.0.0' ? true : undefined), 30_000, 'the confined version live');
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const path of ['', '_headers', '_redirects', 'index.html', 'd16/etc/passwd', 'env.txt']) {
    const answer = await served(name('links'), path);
    assert.ok(!answer.text.includes(passwd.split('\n')[0] ?? 'root:') && !answer.headers.includes('root:'), `nothing of the host at /${path}`);
  }
  assert.equal((await served(name('links'), 'ok.html')).text, 'about\n');

  // Limits: the build fails saying which limit and how to raise it; nothing of it stays; 1.0.0 keeps serving.
  assert.match(records.sparse?.error ?? '', /a file of the build output \(big\.bin\) is larger than the limit of 52428800 bytes .*104857600 bytes.*build\.limits\.file/);
  assert.match(records.many?.error ?? '', /more files and directories than the limit of 100 files.*build\.limits\.files/);
  // What the build writes in its container counts too (the host's disk): stopped within seconds, not at its timeout.
  assert.match(records.disk?.error ?? '', /the build wrote more inside its container than the limit of 67108864 bytes \(64\.0 MiB\).*build\.limits\.disk/);
  assert.ok((records.disk?.durationMs ?? Infinity) < 60_000, `stopped after ${records.disk?.durationMs} ms`);
  for (const attack of ['sparse', 'many', 'disk']) {
    assert.equal(records[attack]?.status, 'failed');
    assert.equal(s.sites.liveVersion(name(attack)), '1.0.0');
    assert.equal((await served(name(attack))).text, '<h1>v1</h1>\n');
  }
  assert.deepEqual(await readdir(join(s.store.root, '.opus', 'staging')).catch(() => []), [], 'no staging directory (nor its 100 MiB) is left');

  // A log flood is cut at its limit with a note; the build itself goes on and succeeds.
  assert.equal(records.flood?.status, 'succeeded');
  const flood = await log('flood');
  assert.ok(Buffer.byteLength(flood) < 64 * 1024 + 2048, `the log is capped: ${Buffer.byteLength(flood)} bytes`);
  assert.match(flood, /opus: the build log reached its limit of 65536 bytes \(builds\.limits\.log\)/);
  assert.match(flood, /opus: published 1 files/);

  // Secrets: given to the build, masked in every form in the log, nowhere in records, events or the API.
  assert.equal(records.secret?.status, 'succeeded', records.secret?.error);
  const secretLog = await log('secret');
  assert.match(secretLog, /plain: \*\*\*\n\*\*\*\nfile: \*\*\*\nsplit: \*\*\*\n/);
  for (const form of [token, fileKey, Buffer.from(token).toString('base64'), token.slice(0, 20), Buffer.from(`user:${token}`).toString('base64').slice(8, 40)]) {
    assert.ok(!secretLog.includes(form), `the log holds no "${form}":\n${secretLog}`);
  }
  const api = JSON.stringify([(await s.api('GET', '/builds')).body, (await s.api('GET', `/projects/${name('secret')}`)).body, s.events, records]);
  assert.ok(!api.includes(token) && !api.includes(fileKey), 'no secret value in the API, events or build records');

  // A missing secret fails the build naming it and where it was looked for.
  assert.equal(records.missing?.status, 'failed');
  assert.match(records.missing?.error ?? '', /the build secret NPM_TOKEN is not set on the server: looked for environment variable OPUS_E2E_NOT_SET/);
});
