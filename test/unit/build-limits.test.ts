// Build limits, sandbox settings and secrets as the config repo states them, and the messages of a crossed limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BUILD_LIMITS, DEFAULT_SANDBOX, OutputTally, boundedNotes, limitMessage, logSafe } from '../../src/domain/build-limits.js';
import { resolveBuildSecrets } from '../../src/domain/build-secrets.js';
import { readDesiredState } from '../../src/domain/desired-state.js';

const project = (build: string) => ({ path: 'projects/site.yaml', text: `source: /src\nbuild:\n  image: node:20\n  command: npm run build\n${build}` });

test('defaults apply with no settings; opus.yaml sets them for all, a project overrides its own', () => {
  const plain = readDesiredState({ path: 'opus.yaml', text: '' }, [project('')]);
  assert.deepEqual(plain.projects[0]?.build.limits, DEFAULT_BUILD_LIMITS);
  assert.deepEqual(plain.projects[0]?.build.sandbox, DEFAULT_SANDBOX);
  const settings = { path: 'opus.yaml', text: 'builds:\n  cpus: 1.5\n  pids: 256\n  user: node\n  limits: { output: 200m, files: 900, file: 5m, log: 1m, disk: 4g }\n' };
  const state = readDesiredState(settings, [project('  limits: { files: 10 }\n  cpus: 0.5\n  pids: 64\n'), { ...project(''), path: 'projects/other.yaml' }]);
  assert.deepEqual(state.problems, []);
  const [other, site] = state.projects;
  assert.deepEqual(site?.build.limits, { outputBytes: 200 * 1024 ** 2, files: 10, fileBytes: 5 * 1024 ** 2, logBytes: 1024 ** 2, diskBytes: 4 * 1024 ** 3 });
  assert.deepEqual(site?.build.sandbox, { cpus: 0.5, pids: 64, user: 'node' });
  assert.deepEqual(other?.build.sandbox, { cpus: 1.5, pids: 256, user: 'node' });
});

test('a wrong limit or user is a problem at its path, with what to write instead', () => {
  const state = readDesiredState({ path: 'opus.yaml', text: 'builds:\n  pids: 3\n' }, [project('  limits: { file: lots }\n  user: "a b"\n')]);
  const where = state.problems.map((p) => `${p.file} ${p.path}`);
  assert.deepEqual(where.sort(), ['opus.yaml builds.pids', 'projects/site.yaml build.limits.file', 'projects/site.yaml build.user']);
  const projectOnly = readDesiredState({ path: 'opus.yaml', text: '' }, [project('  limits: { file: lots, bogus: 1 }\n  user: "a b"\n')]);
  assert.deepEqual(projectOnly.problems.map((p) => p.path).sort(), ['build.limits', 'build.limits.file', 'build.user']);
  assert.match(projectOnly.problems.find((p) => p.path === 'build.user')?.message ?? '', /1000:1000/);
});

test('secrets are references in the desired state, never values', () => {
  const state = readDesiredState({ path: 'opus.yaml', text: '' }, [project('  secrets:\n    NPM_TOKEN: { env: OPUS_NPM_TOKEN }\n    KEY: { file: /run/secrets/key }\n')]);
  assert.deepEqual(state.projects[0]?.build.secrets, { NPM_TOKEN: { env: 'OPUS_NPM_TOKEN' }, KEY: { file: '/run/secrets/key' } });
  const bad = readDesiredState({ path: 'opus.yaml', text: '' }, [project('  secrets:\n    NPM_TOKEN: s3cr3t-inline\n')]);
  assert.match(bad.problems[0]?.message ?? '', /\{ env: NAME \}/);
});

test('a missing or too short secret fails with its name and where it was looked for', () => {
  const read = (ref: { env: string } | { file: string }) => ('env' in ref && ref.env === 'SET' ? 'value-of-set' : 'env' in ref && ref.env === 'SHORT' ? 'ab' : undefined);
  assert.deepEqual(resolveBuildSecrets({ A: { env: 'SET' } }, read, 4), { env: { A: 'value-of-set' }, values: ['value-of-set'] });
  assert.throws(() => resolveBuildSecrets({ NPM_TOKEN: { env: 'OPUS_NPM_TOKEN' } }, read, 4), /build secret NPM_TOKEN is not set on the server: looked for environment variable OPUS_NPM_TOKEN/);
  assert.throws(() => resolveBuildSecrets({ K: { file: '/run/secrets/k' } }, read, 4), /K is not set .*file \/run\/secrets\/k/);
  assert.throws(() => resolveBuildSecrets({ S: { env: 'SHORT' } }, read, 4), /shorter than 4 characters/);
});

test('at most 100 notes about left-out entries, then one line that counts the rest', () => {
  const notes = Array.from({ length: 250 }, (_, i) => `opus: dropped f${i}: a FIFO`);
  const bounded = boundedNotes(notes);
  assert.equal(bounded.length, 101);
  assert.equal(bounded.at(-1), 'opus: … and 150 more left out');
  assert.deepEqual(boundedNotes(notes.slice(0, 3)), notes.slice(0, 3));
});

test('the tally names the first limit crossed, its value, what was reached and how to raise it', () => {
  const tally = new OutputTally({ ...DEFAULT_BUILD_LIMITS, files: 3, fileBytes: 100, outputBytes: 150 });
  assert.equal(tally.add(100, 'a.js'), undefined);
  assert.match(tally.add(101, 'big.bin') ?? '', /a file of the build output \(big\.bin\) is larger than the limit of 100 bytes .*reached 101 bytes.*build\.limits\.file .*builds\.limits\.file in opus\.yaml/);
  const count = new OutputTally({ ...DEFAULT_BUILD_LIMITS, files: 2 });
  assert.equal(count.addEntry(), undefined);
  assert.equal(count.add(1, 'x'), undefined);
  assert.match(count.add(1, 'y') ?? '', /more files and directories than the limit of 2 files \(it reached 3 files\): raise build\.limits\.files/);
  const bytes = new OutputTally({ ...DEFAULT_BUILD_LIMITS, outputBytes: 10 });
  assert.equal(bytes.add(6, 'a'), undefined);
  assert.match(bytes.add(6, 'b') ?? '', /output is larger than the limit of 10 bytes/);
  assert.match(limitMessage('logBytes', 5, 6), /build\.limits\.log/);
});

test('a name with a newline, CR or other control character is quoted in a log line; a plain one is kept as it is', () => {
  assert.equal(logSafe('assets/app.js'), 'assets/app.js');
  assert.equal(logSafe('x\nopus: published'), '"x\\nopus: published"');
  assert.equal(logSafe('d\r\nSet-Cookie: a=1'), '"d\\r\\nSet-Cookie: a=1"');
  assert.ok(!limitMessage('fileBytes', 1, 2, 'big\nopus: ok').includes('\n'));
});
