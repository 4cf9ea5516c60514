// The config-repo commands against real git repositories: one commit per change, pushed to the
// remote, and nothing committed when the input or the repo is not right.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import yaml from 'js-yaml';
import { gitSync, makeSourceRepo, opus, tempDir, writeFiles } from '../support/fixtures.js';

interface Setup {
  work: string;
  remote: string;
  source: string;
  run: (...args: string[]) => ReturnType<typeof opus>;
}

/** A config repo cloned from a bare remote, and an app source with tags 1.0.0, 1.1.0, 1.2.0. */
async function setup(t: TestContext): Promise<Setup> {
  const dir = await tempDir(t);
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'a.txt': '1' }, '1.1.0': { 'a.txt': '2' }, '1.2.0': { 'a.txt': '3' } });
  const remote = join(dir, 'remote.git');
  gitSync(dir, 'init', '--quiet', '--bare', remote);
  const work = join(dir, 'config');
  const run = (...args: string[]) => opus(args, { env: { OPUS_CONFIG: work } });
  assert.equal((await run('init')).code, 0);
  gitSync(work, 'remote', 'add', 'origin', remote);
  gitSync(work, 'push', '--quiet', '-u', 'origin', 'main');
  const added = await run('add', 'site', source, '--image', 'node:20', '--command', 'npm run build');
  assert.equal(added.code, 0, added.stderr);
  return { work, remote, source, run };
}

const subjects = (repo: string) => gitSync(repo, 'log', '--format=%s', 'main').trim().split('\n');
const deployed = async (work: string) => (yaml.load(await readFile(join(work, 'projects/site.yaml'), 'utf8')) as { deploy?: string }).deploy;

test('deploy, rollback and remove are one pushed commit each, with clear messages', async (t) => {
  const { work, remote, run } = await setup(t);
  for (const args of [['deploy', 'site', '1.0.0'], ['deploy', 'site', '1.1.0'], ['deploy', 'site', '1.2.0'], ['rollback', 'site'], ['rollback', 'site']]) {
    const result = await run(...args);
    assert.equal(result.code, 0, result.stderr);
  }
  assert.deepEqual(subjects(remote).slice(0, 6), [
    'rollback site to 1.0.0 (was 1.1.0)',
    'rollback site to 1.1.0 (was 1.2.0)',
    'deploy site 1.2.0 (was 1.1.0)',
    'deploy site 1.1.0 (was 1.0.0)',
    'deploy site 1.0.0',
    'add project site',
  ]);
  assert.equal(await deployed(work), '1.0.0');
  const to = await run('rollback', 'site', '--to', '1.2.0', '--json');
  assert.equal(to.code, 0, to.stderr);
  assert.deepEqual({ ...JSON.parse(to.stdout), commit: undefined }, { message: 'rollback site to 1.2.0 (was 1.0.0)', changed: true, pushed: true, commit: undefined });
  assert.equal(gitSync(remote, 'rev-parse', 'main').trim(), JSON.parse(to.stdout).commit);

  assert.equal((await run('remove', 'site')).code, 0);
  assert.equal(subjects(remote)[0], 'remove project site');
  assert.equal(gitSync(remote, 'ls-tree', '--name-only', 'main', 'projects/').includes('site.yaml'), false);
});

test('the deploy edit keeps the comments and layout of a hand-written project file', async (t) => {
  const { work, run } = await setup(t);
  const original = (await readFile(join(work, 'projects/site.yaml'), 'utf8')).replace('build:', '# how it is built\nbuild:  # note');
  await writeFiles(work, { 'projects/site.yaml': original });
  gitSync(work, 'commit', '--quiet', '-am', 'comment');
  const deployedNoPush = await run('deploy', 'site', '1.1.0', '--no-push');
  assert.equal(deployedNoPush.code, 0);
  assert.match(deployedNoPush.stdout, /commit [0-9a-f]{12} in .* \(not pushed: --no-push\)\n/);
  const text = await readFile(join(work, 'projects/site.yaml'), 'utf8');
  assert.match(text, /# how it is built\nbuild:  # note/);
  assert.equal(await deployed(work), '1.1.0');
});

test('bad input is refused with a clear message and commits nothing', async (t) => {
  const { work, remote, source, run } = await setup(t);
  const before = subjects(work).length;
  const cases: [string[], RegExp][] = [
    [['deploy', 'nope', '1.0.0'], /unknown project "nope"[\s\S]*known projects: site/],
    [['deploy', 'site', '9.9.9'], /has no tag "9\.9\.9"[\s\S]*1\.2\.0/],
    [['deploy', 'site', '../x'], /cannot be a version/],
    [['rollback', 'site'], /no earlier deployed version/],
    [['add', 'Bad_Name', '/tmp', '--image', 'x', '--command', 'y'], /not a valid project name/],
    [['add', 'api', '/tmp', '--image', 'x', '--command', 'y'], /reserved/],
    [['add', 'site', '/tmp', '--image', 'x', '--command', 'y'], /already exists/],
    [['add', 'other', join(work, 'missing-repo'), '--image', 'x', '--command', 'y'], /is not a git repository \(nothing there/],
    [['add', 'other', source, '--image', 'x', '--command', 'y', '--output', '../up'], /build\.output: use a path inside the source/],
    [['add', 'other', source, '--image', 'x', '--command', 'y', '--deploy', '7.0.0'], /has no tag "7\.0\.0"/],
    [['remove', 'ghost'], /unknown project "ghost"/],
  ];
  for (const [args, message] of cases) {
    const result = await run(...args);
    assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
    assert.match(result.stderr, message, args.join(' '));
  }
  assert.equal(subjects(work).length, before);
  assert.equal(subjects(remote).length, before);
});

test('a dirty config repo is refused; one that is only behind is brought up to date; a diverged one is refused', async (t) => {
  const { work, remote, run } = await setup(t);
  await writeFiles(work, { 'opus.yaml': 'builds:\n  concurrency: 3\n' });
  const dirty = await run('deploy', 'site', '1.0.0');
  assert.notEqual(dirty.code, 0);
  assert.match(dirty.stderr, /uncommitted changes: opus\.yaml/);
  gitSync(work, 'checkout', '--', 'opus.yaml');

  // Someone else deploys through another clone: this copy is behind, and catches up.
  const other = join(work, '..', 'other');
  gitSync(join(work, '..'), 'clone', '--quiet', remote, other);
  assert.equal((await opus(['deploy', 'site', '1.1.0'], { env: { OPUS_CONFIG: other } })).code, 0);
  const behind = await run('deploy', 'site', '1.2.0');
  assert.equal(behind.code, 0, behind.stderr);
  assert.deepEqual(subjects(remote).slice(0, 2), ['deploy site 1.2.0 (was 1.1.0)', 'deploy site 1.1.0']);

  // Now both have a commit the other lacks.
  assert.equal((await opus(['rollback', 'site', '--to', '1.0.0', '--no-push'], { env: { OPUS_CONFIG: other } })).code, 0);
  gitSync(other, 'pull', '--quiet', '--no-rebase', '--no-edit', '-X', 'ours');
  gitSync(other, 'push', '--quiet');
  await writeFiles(work, { 'opus.yaml': 'builds:\n  concurrency: 1\n' });
  gitSync(work, 'commit', '--quiet', '-am', 'local change');
  const diverged = await run('deploy', 'site', '1.0.0');
  assert.notEqual(diverged.code, 0);
  assert.match(diverged.stderr, /diverged/);
});

test('validate lists every problem with file and path, and exits non-zero', async (t) => {
  const { work, run } = await setup(t);
  await writeFiles(work, {
    'opus.yaml': 'builds:\n  concurency: 2\n',
    'projects/broken.yaml': 'source: x\nbuild:\n  image: node:20\n',
    'projects/bad-yaml.yaml': 'source: [unclosed\n',
  });
  const result = await run('validate');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /opus\.yaml:\d+ builds: unknown key "concurency"/);
  assert.match(result.stderr, /projects\/broken\.yaml:\d+ build\.command: required/);
  assert.match(result.stderr, /projects\/bad-yaml\.yaml:\d+: not valid YAML/);
  const json = await run('validate', '--json');
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).problems.length, 3);
});

test('opus init refuses a directory inside another git work tree (it would leave that repo dirty); outside one it works', async (t) => {
  const dir = await tempDir(t);
  const checkout = join(dir, 'checkout');
  await writeFiles(checkout, { 'README.md': 'a checkout\n' });
  gitSync(checkout, 'init', '--quiet');
  gitSync(checkout, 'add', '--all');
  gitSync(checkout, 'commit', '--quiet', '-m', 'init');
  const nested = await opus(['init', './config'], { cwd: checkout });
  assert.equal(nested.code, 2);
  assert.match(nested.stderr, new RegExp(`inside the git work tree ${checkout}`));
  assert.equal(gitSync(checkout, 'status', '--porcelain'), '', 'the checkout is left clean');
  const outside = await opus(['init', join(dir, 'opus-config')]);
  assert.equal(outside.code, 0, outside.stderr);
  // Else the next `opus add` (run from anywhere else) would land in the embedded config repo.
  assert.ok(outside.stdout.includes(`export OPUS_CONFIG=${join(dir, 'opus-config')} (or --config)\nthe server reads it with: opus server --config ${join(dir, 'opus-config')}\n`), outside.stdout);
  const told = await opus(['init'], { env: { OPUS_CONFIG: join(dir, 'told') } });
  assert.equal(told.code, 0, told.stderr);
  assert.doesNotMatch(told.stdout, /export OPUS_CONFIG/, 'not when OPUS_CONFIG already points at it');
});

test('opus server on a port that is taken says which and what likely holds it, not a raw EADDRINUSE', async (t) => {
  const dir = await tempDir(t);
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  t.after(() => holder.close());
  const { port } = holder.address() as AddressInfo;
  const result = await opus(['server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(dir, 'data')]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
  assert.match(result.stderr, /stop it first|--port/);
  assert.doesNotMatch(result.stderr, /EADDRINUSE|at Server/);
});

test('opus --help lists each command once: remove, not its alias delete beside it (which still runs)', async () => {
  const help = await opus(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^ {2}remove +Remove a project/m);
  assert.doesNotMatch(help.stdout, /^ {2}delete /m);
  assert.match((await opus(['delete', '--help'])).stdout, /Remove a project/);
});
