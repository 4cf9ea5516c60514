// Nothing the server reads of a version is opened without confinement: served files, _headers,
// _redirects and 404.html all go through one opener (inside the version, regular files only, a size
// cap), against a real listening server whose version directory holds hostile links and files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfined } from '../../src/server/site/confined-read.js';
import { MAX_RULES_FILE_BYTES } from '../../src/server/site/site-rules.js';
import { tempDir } from '../support/fixtures.js';
import { startSiteServer } from '../support/site-server.js';

const SECRET = 'host-secret-do-not-serve';

test('readConfined: a chain of links out of the version, a device, a FIFO and an oversized file all read as nothing', async (t) => {
  const dir = await tempDir(t, 'opus-confined-');
  const root = join(dir, 'version');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await writeFile(join(root, 'ok.txt'), 'ok');
  await symlink('../secret.txt', join(root, 'hop1'));
  await symlink('hop1', join(root, 'sub', 'hop2'));
  await symlink('../sub/hop2', join(root, 'chain'));
  await symlink('ok.txt', join(root, 'inside-link'));
  await symlink('/dev/zero', join(root, 'zero'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  await writeFile(join(root, 'big'), Buffer.alloc(1000));
  assert.equal((await readConfined(root, 'ok.txt', 10))?.kind, 'file');
  const inside = await readConfined(root, 'inside-link', 10);
  assert.equal(inside?.kind === 'file' && inside.data.toString(), 'ok', 'a link that stays inside is the file it points at');
  for (const name of ['chain', 'hop1', 'sub/hop2', 'zero', 'fifo', 'sub', 'missing', '../secret.txt']) assert.equal(await readConfined(root, name, 1 << 20), undefined, name);
  assert.deepEqual(await readConfined(root, 'big', 999), { kind: 'too-large', bytes: 1000 });
});

test('a real server: rules files through the opener and never served; links to host files, /dev/zero and huge rules files change nothing', async (t) => {
  const dir = await tempDir(t, 'opus-confined-server-');
  await writeFile(join(dir, 'secret.txt'), `X-Leak: ${SECRET}\n`);
  const server = await startSiteServer(join(dir, 'srv'));
  t.after(() => server.close());
  const publishWith = async (project: string, files: Record<string, string>, prepare: (staging: string) => Promise<void>) => {
    const stage = await server.store.createStaging(project, '1.0.0');
    const staging = stage.dir;
    for (const [name, text] of Object.entries(files)) await writeFile(join(staging, name), text);
    await prepare(staging);
    await stage.publish();
    await server.sites.set(project, { version: '1.0.0', domains: [] });
  };
  // _headers: a chain of links ending at a host file in "_headers" format; _redirects: /dev/zero.
  await publishWith('chain', { 'index.html': 'chain' }, async (staging) => {
    await writeFile(join(staging, 'decoy'), 'x');
    await symlink(join(dir, 'secret.txt'), join(staging, 'a'));
    await symlink('a', join(staging, 'b'));
    await symlink('b', join(staging, '_headers'));
    await symlink('/dev/zero', join(staging, '_redirects'));
    await symlink(join(dir, 'secret.txt'), join(staging, '404.html'));
  });
  await publishWith('huge', { 'index.html': 'huge', '_headers': `/*\n  X-Huge: yes\n${'  X-Pad: 0123456789\n'.repeat(MAX_RULES_FILE_BYTES / 16)}`, '_redirects': '/old /new 301\n' }, async () => undefined);
  await publishWith('plain', { 'index.html': 'plain', '_headers': '/*\n  X-Rule: on\n', '_redirects': '/old /index.html 301\n' }, async () => undefined);

  const before = process.memoryUsage().rss;
  const chain = await fetch(`${server.url}/chain/`);
  assert.equal(await chain.text(), 'chain');
  assert.equal(chain.headers.get('x-leak'), null, 'no host file in a header');
  const missing = await fetch(`${server.url}/chain/nope`);
  assert.equal(missing.status, 404);
  assert.doesNotMatch(await missing.text(), new RegExp(SECRET), 'a 404.html linked out of the version is not used');
  assert.ok(process.memoryUsage().rss - before < 64 << 20, 'a _redirects that is /dev/zero costs no memory');

  const huge = await fetch(`${server.url}/huge/`);
  assert.equal(huge.headers.get('x-huge'), null, `a _headers over ${MAX_RULES_FILE_BYTES} bytes is ignored`);
  assert.equal((await fetch(`${server.url}/huge/old`, { redirect: 'manual' })).status, 301, 'the _redirects beside it still counts');

  const plain = await fetch(`${server.url}/plain/`);
  assert.equal(plain.headers.get('x-rule'), 'on');
  for (const name of ['_headers', '_redirects']) {
    const answer = await fetch(`${server.url}/plain/${name}`);
    assert.equal(answer.status, 404, `${name} is never served`);
    assert.doesNotMatch(await answer.text(), /X-Rule|301/);
  }
});
