// `--wait` and the config repo the CLI edits, against a real server with real Docker builds: a
// deploy ends with the URL that serves it, a failing build ends with its cause and exit 1, a
// commit the CLI makes without --wait is seen by the server at once (its refs are watched), and a
// CLI that edits another config repo than the server reads is told so instead of waiting forever.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, gitSync, opus, writeFiles } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

let w: OpusWorld;

before(async () => {
  w = await startOpusWorld({
    site: { versions: { '1.0.0': { 'public/index.html': 'site 1.0.0\n' }, '1.1.0': { 'public/index.html': 'site 1.1.0\n' } }, deploy: '1.0.0' },
    broken: { versions: { '0.1.0': { 'public/index.html': 'x\n' }, '0.2.0': { 'public/index.html': 'x\n' } }, command: 'echo "src/main.ts(3,7): error TS2322: Type \'string\' is not assignable to type \'number\'." >&2; exit 2' },
  });
  await w.settle();
});

after(() => w?.close());

const served = async (path: string) => (await localFetch(`${siteOrigin(w.url, 'site')}${path}`)).text();

test('deploy --wait ends with the live URL, once the new version is built and serves', { timeout: 120_000 }, async () => {
  const deployed = await w.run('deploy', 'site', '1.1.0', '--wait');
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout, /deploy site 1\.1\.0 \(was 1\.0\.0\)\n {2}commit [0-9a-f]{12} in .*config \(it has no remote to push to\)\n/);
  assert.match(deployed.stdout, new RegExp(`site@1\\.1\\.0 is live at ${siteOrigin(w.url, 'site')}/\\n$`));
  assert.equal(await served('/'), 'site 1.1.0\n', 'live when the command ends');

  const rolled = await w.run('rollback', 'site', '--wait', '--json');
  assert.equal(rolled.code, 0, rolled.stderr);
  const result = JSON.parse(rolled.stdout) as { project: { live: string; urls: { site: string } } };
  assert.equal(result.project.live, '1.0.0');
  assert.equal(await served('/'), 'site 1.0.0\n');
});

test('a build that fails: --wait exits 1 with the cause from the log; --pr with --wait is refused before any commit', { timeout: 120_000 }, async () => {
  const failed = await w.run('deploy', 'broken', '0.1.0', '--wait');
  assert.equal(failed.code, 1, failed.stdout);
  assert.match(failed.stderr, /broken@0\.1\.0 did not go live: src\/main\.ts\(3,7\): error TS2322/);
  assert.match(failed.stderr, /opus logs broken 0\.1\.0/);

  const head = gitSync(w.configDir, 'rev-parse', 'HEAD');
  const pr = await w.run('deploy', 'broken', '0.2.0', '--wait', '--pr');
  assert.equal(pr.code, 2);
  assert.match(pr.stderr, /--wait cannot follow a --pr change/);
  assert.equal(gitSync(w.configDir, 'rev-parse', 'HEAD'), head, 'nothing was committed');
});

test('a commit without --wait is synced at once (the config repo\'s refs are watched), not after sync.interval (1 h here)', { timeout: 120_000 }, async () => {
  const deployed = await w.run('deploy', 'site', '1.1.0');
  assert.equal(deployed.code, 0, deployed.stderr);
  await eventually(async () => ((await served('/')) === 'site 1.1.0\n' ? true : undefined), 60_000, 'the server to pick the commit up by itself');
  const sync = await w.run('sync');
  assert.equal(sync.code, 0, sync.stderr);
  assert.match(sync.stdout, new RegExp(`^synced ${w.configDir} at [0-9a-f]{12}`));
});

test('sync of a config repo with a problem prints it and exits 1; once fixed, 0 again', { timeout: 60_000 }, async () => {
  const commit = (message: string) => {
    gitSync(w.configDir, 'add', '--all');
    gitSync(w.configDir, 'commit', '--quiet', '-m', message);
  };
  await writeFiles(w.configDir, { 'projects/typo.yaml': `sourc: ${JSON.stringify(w.sources.site)}\n` });
  commit('a mistyped key');
  try {
    const broken = await w.run('sync');
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stdout, /problem: projects\/typo\.yaml: unknown key "sourc" \(did you mean "source"\?\)/);
    assert.match(await served('/'), /^site 1\.\d\.0\n$/, 'the other projects keep serving');
  } finally {
    gitSync(w.configDir, 'rm', '--quiet', 'projects/typo.yaml');
    commit('no typo');
  }
  const fixed = await w.run('sync');
  assert.equal(fixed.code, 0, fixed.stdout);
  assert.doesNotMatch(fixed.stdout, /problem/);
});

test('editing another config repo than the server reads: --wait says which one it reads', { timeout: 60_000 }, async () => {
  const other = join(w.dir, 'other-config');
  await writeFiles(other, { 'opus.yaml': '', 'projects/site.yaml': `source: ${JSON.stringify(w.sources.site)}\nbuild:\n  image: node:20\n  command: "true"\n` });
  gitSync(other, 'init', '--quiet');
  gitSync(other, 'add', '--all');
  gitSync(other, 'commit', '--quiet', '-m', 'init');
  const result = await w.run('deploy', 'site', '1.0.0', '--wait', '--config', other);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`syncs the config repo ${w.configDir}, not ${other}`));
  assert.match(result.stderr, /--config /);
});

test('the CLI helps: known projects and tags on a miss, missing vs wrong token, did-you-mean, logs -f/--json on a failed build, clean --json errors', { timeout: 120_000 }, async () => {
  const status = await w.run('status', 'nope');
  assert.equal(status.code, 4);
  assert.match(status.stderr, /no project "nope"; known projects: broken, site/);
  const trigger = await w.run('trigger', 'nope', 'latest');
  assert.equal(trigger.code, 4);
  assert.match(trigger.stderr, /known projects: broken, site/);
  const tag = await w.run('trigger', 'site', '9.9.9');
  assert.equal(tag.code, 2);
  assert.match(tag.stderr, /has no tag "9\.9\.9"; its tags include: 1\.0\.0, 1\.1\.0/);

  const noToken = await opus(['trigger', 'site', '1.0.0'], { env: { OPUS_SERVER: w.url, XDG_CONFIG_HOME: join(w.dir, 'empty-xdg') } });
  assert.equal(noToken.code, 3);
  assert.match(noToken.stderr, /no API token was sent/);
  const wrong = await opus(['trigger', 'site', '1.0.0'], { env: { OPUS_SERVER: w.url, OPUS_TOKEN: 'not-the-token', XDG_CONFIG_HOME: join(w.dir, 'empty-xdg') } });
  assert.equal(wrong.code, 3);
  assert.match(wrong.stderr, /the API token from OPUS_TOKEN was refused: the API token is wrong/);
  assert.match(wrong.stderr, /OPUS_API_TOKEN,[\s›]+or[\s›]+its/, "the hint names both places a server keeps its token");

  const typo = await w.run('deplyo', 'site', '1.0.0');
  assert.equal(typo.code, 127);
  assert.equal(typo.stderr, '"deplyo" is not an opus command. Did you mean: opus deploy site 1.0.0\nopus help lists every command.\n');
  const alias = await w.run('delete', '--help');
  assert.match(alias.stdout, /Remove a project/);

  const follow = await w.run('logs', 'broken', '0.1.0', '--follow');
  assert.equal(follow.code, 1, 'a failed build is a failure of logs -f');
  assert.match(follow.stdout, /error TS2322/);
  const json = await w.run('logs', 'broken', '0.1.0', '--json');
  assert.equal(json.code, 0, json.stderr);
  const build = JSON.parse(json.stdout) as { status: string; cause: string[]; log: string };
  assert.equal(build.status, 'failed');
  assert.match(build.cause[0] ?? '', /error TS2322/);
  assert.match(build.log, /opus: build failed: the build command exited with code 2\n/);
  assert.doesNotMatch(build.log, /see the build log/, 'the log does not send its reader to itself');

  const error = await w.run('status', 'nope', '--json');
  assert.deepEqual(JSON.parse(error.stdout), { error: { message: 'no project "nope"; known projects: broken, site', exitCode: 4 } });
  // A parse error too: the process exits with the code the JSON gives, and oclif's "See more help" is for terminals.
  const unknownFlag = await w.run('deploy', 'site', '--bogus', '--json');
  assert.deepEqual(JSON.parse(unknownFlag.stdout), { error: { message: 'Nonexistent flag: --bogus', exitCode: 2 } });
  assert.equal(unknownFlag.code, 2);
});
