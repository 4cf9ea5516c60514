import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BUILD_LIMITS, DEFAULT_SANDBOX } from '../../src/domain/build-limits.js';
import { DEFAULT_SETTINGS, formatProblem, readDesiredState, type ConfigFile, type ConfigProblem } from '../../src/domain/desired-state.js';

const settings = (text = ''): ConfigFile => ({ path: 'opus.yaml', text });
const project = (name: string, text: string): ConfigFile => ({ path: `projects/${name}`, text });
const minimal = (extra = ''): string => `source: https://example.com/acme/site.git\nbuild:\n  image: node:20-alpine\n  command: npm ci && npm run build\n${extra}`;

function problemsOf(problems: ConfigProblem[], file: string): ConfigProblem[] {
  return problems.filter((p) => p.file === file);
}

test('a valid project file is read with every default filled in', () => {
  const state = readDesiredState(settings(), [project('site.yaml', minimal('deploy: 1.0.4\n'))]);
  assert.deepEqual(state.problems, []);
  assert.deepEqual(state.brokenProjects, []);
  assert.equal(state.settingsBroken, false);
  assert.deepEqual(state.settings, DEFAULT_SETTINGS);
  assert.equal(state.projects.length, 1);
  const [site] = state.projects;
  assert.ok(site);
  assert.equal(site.name, 'site');
  assert.equal(site.file, 'projects/site.yaml');
  assert.equal(site.source, 'https://example.com/acme/site.git');
  assert.equal(site.deploy, '1.0.4');
  assert.deepEqual(site.build, {
    image: 'node:20-alpine',
    command: 'npm ci && npm run build',
    output: 'dist',
    env: {},
    network: 'default',
    timeoutMs: 15 * 60_000,
    memoryBytes: 2 * 1024 ** 3,
    limits: DEFAULT_BUILD_LIMITS,
    sandbox: DEFAULT_SANDBOX,
  });
  assert.deepEqual(site.domains, []);
  assert.equal(site.keep, 10);
  assert.deepEqual(site.site, { spa: false, redirects: [], headers: [] });
});

test('a project without deploy is valid and has nothing deployed', () => {
  const state = readDesiredState(settings(), [project('site.yaml', minimal())]);
  assert.deepEqual(state.problems, []);
  assert.equal(state.projects[0]?.deploy, undefined);
  assert.equal('deploy' in (state.projects[0] ?? {}), false);
});

test('opus.yaml sets the defaults every project inherits, and a project may override them', () => {
  const opus = settings(
    ['builds:', '  concurrency: 4', '  timeout: 30m', '  memory: 1g', '  network: none', 'retention:', '  keep: 3', 'sync:', '  interval: 2m', 'previews:', '  domain: preview.example.com', ''].join('\n'),
  );
  const state = readDesiredState(opus, [
    project('plain.yaml', minimal()),
    project('tuned.yaml', minimal('  timeout: 90\n  memory: 512m\n  network: host\n  output: build/public/\n  env:\n    API_URL: https://api.example.com\nretention:\n  keep: 7\n')),
  ]);
  assert.deepEqual(state.problems, []);
  assert.deepEqual(state.settings, {
    concurrency: 4,
    syncIntervalMs: 120_000,
    keep: 3,
    previewDomain: 'preview.example.com',
    defaults: { timeoutMs: 30 * 60_000, memoryBytes: 1024 ** 3, network: 'none', limits: DEFAULT_BUILD_LIMITS, sandbox: DEFAULT_SANDBOX },
  });
  const [plain, tuned] = state.projects;
  assert.equal(plain?.build.timeoutMs, 30 * 60_000);
  assert.equal(plain?.build.memoryBytes, 1024 ** 3);
  assert.equal(plain?.build.network, 'none');
  assert.equal(plain?.keep, 3);
  assert.equal(tuned?.build.timeoutMs, 90_000);
  assert.equal(tuned?.build.memoryBytes, 512 * 1024 ** 2);
  assert.equal(tuned?.build.network, 'host');
  assert.equal(tuned?.build.output, 'build/public', 'a trailing slash of output is dropped');
  assert.deepEqual(tuned?.build.env, { API_URL: 'https://api.example.com' });
  assert.equal(tuned?.keep, 7);
});

test('an empty opus.yaml means all defaults, not a broken config', () => {
  const state = readDesiredState(settings('# nothing to change\n'), [project('site.yaml', minimal())]);
  assert.equal(state.settingsBroken, false);
  assert.deepEqual(state.settings, DEFAULT_SETTINGS);
  assert.equal(state.projects.length, 1);
});

test('every problem of every file is reported at once, each with its file and dotted path', () => {
  const state = readDesiredState(settings('builds:\n  concurrency: 0\n'), [
    project('alpha.yaml', 'source: x\nbuild:\n  image: node\n'),
    project('beta.yaml', minimal('  timeout: forever\ndomains:\n  - Example.COM\n')),
    project('gamma.yaml', minimal('deploy: 2.0.0\n')),
  ]);
  const where = state.problems.map((p) => `${p.file} ${p.path}`);
  assert.ok(where.includes('opus.yaml builds.concurrency'), where.join('\n'));
  assert.ok(where.includes('projects/alpha.yaml build.command'), where.join('\n'));
  assert.ok(where.includes('projects/beta.yaml build.timeout'), where.join('\n'));
  assert.ok(where.includes('projects/beta.yaml domains.0'), where.join('\n'));
  assert.deepEqual(state.brokenProjects, ['alpha', 'beta']);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['gamma'],
  );
  const missing = state.problems.find((p) => p.path === 'build.command');
  assert.match(missing?.message ?? '', /required/);
});

test('a YAML syntax error names the file and the line it is on', () => {
  const text = ['source: x', 'build:', '  image: node', ' command: broken indentation', '  output: dist', ''].join('\n');
  const state = readDesiredState(settings(), [project('site.yaml', text), project('other.yaml', minimal())]);
  const [problem] = problemsOf(state.problems, 'projects/site.yaml');
  assert.ok(problem);
  assert.match(problem.message, /not valid YAML/);
  assert.equal(problem.line, 4);
  assert.equal(problem.path, '');
  assert.match(formatProblem(problem), /^projects\/site\.yaml:4: not valid YAML/);
  assert.deepEqual(state.brokenProjects, ['site']);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['other'],
  );
});

test('unknown keys are reported by name, at the level where they are', () => {
  const state = readDesiredState(settings('retention:\n  keep: 2\nbuidls: {}\n'), [project('site.yaml', minimal('  imgae: node\ndomain: [a.example.com]\n'))]);
  const top = state.problems.find((p) => p.file === 'opus.yaml');
  assert.equal(top?.path, '');
  assert.match(top?.message ?? '', /unknown key "buidls"/);
  const nested = state.problems.find((p) => p.file === 'projects/site.yaml' && p.path === 'build');
  assert.match(nested?.message ?? '', /unknown key "imgae"/);
  const topInProject = state.problems.find((p) => p.file === 'projects/site.yaml' && p.path === '');
  assert.match(topInProject?.message ?? '', /unknown key "domain"/);
  assert.equal(state.settingsBroken, true);
});

test('a mistyped key is answered with the key it most likely meant; a key near none lists the keys allowed there', () => {
  const state = readDesiredState(settings('buidls: {}\nhooks:\n  - url: https://hooks.example/x\n    events: [build.failed]\n    secrte: { env: HOOK_SECRET }\n'), [
    project('site.yaml', minimal('  comand: npm run build\nDomains: [a.example.com]\nauth:\n  usernme: a\n  passwordHash: { env: H }\n')),
  ]);
  const messages = state.problems.map((p) => `${p.file}:${p.path}: ${p.message}`);
  for (const expected of [
    'opus.yaml:: unknown key "buidls" (did you mean "builds"?)',
    'opus.yaml:hooks.0: unknown key "secrte" (did you mean "secret"?)',
    'projects/site.yaml:build: unknown key "comand" (did you mean "command"?)',
    'projects/site.yaml:: unknown key "Domains" (did you mean "domains"?)',
    'projects/site.yaml:auth: unknown key "usernme" (did you mean "username"?)',
  ]) assert.ok(messages.includes(expected), `${expected}\nnot among:\n${messages.join('\n')}`);
  const far = readDesiredState(settings('retention:\n  keep: 2\n  forever: true\n'), []).problems.map((p) => p.message);
  assert.deepEqual(far, ['unknown key "forever": check the spelling; known here: keep']);
});

test('a value of the wrong type is reported as such, not as a missing key', () => {
  // `deploy: 1.0` is a YAML number: the user wrote the key, so "add it" would be wrong.
  const state = readDesiredState(settings(), [project('site.yaml', minimal('deploy: 1.0\n'))]);
  const problem = state.problems.find((p) => p.path === 'deploy');
  assert.ok(problem, JSON.stringify(state.problems));
  assert.doesNotMatch(problem.message, /required/);
  assert.match(problem.message, /string/);
  assert.deepEqual(state.brokenProjects, ['site']);
});

test('project file names must be valid project names', () => {
  const state = readDesiredState(settings(), [
    project('My_Site.yaml', minimal()),
    project('api.yaml', minimal()),
    project('good.yaml', minimal()),
  ]);
  assert.match(state.problems.find((p) => p.file === 'projects/My_Site.yaml')?.message ?? '', /not a valid project name/);
  assert.match(state.problems.find((p) => p.file === 'projects/api.yaml')?.message ?? '', /reserved/);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['good'],
  );
});

test('a project file not ending in .yaml is reported with the name to use, and its project keeps serving', () => {
  const state = readDesiredState(settings(), [project('site.yml', minimal('deploy: 1.0.0\n')), project('other.yaml', minimal())]);
  const problem = state.problems.find((p) => p.file === 'projects/site.yml');
  assert.match(problem?.message ?? '', /rename it to projects\/site\.yaml/);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['other'],
  );
  // Listed as broken, so the sync plan leaves whatever "site" serves alone instead of unpublishing it.
  assert.deepEqual(state.brokenProjects, ['site']);
});

test('a stray .yml beside a valid .yaml of the same project does not break that project', () => {
  const state = readDesiredState(settings(), [project('site.yml', 'junk'), project('site.yaml', minimal())]);
  assert.equal(state.problems.length, 1);
  assert.deepEqual(state.brokenProjects, []);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['site'],
  );
});

test('a broken project is listed in brokenProjects while the others stay valid', () => {
  const state = readDesiredState(settings(), [
    project('a.yaml', minimal('deploy: 1.0.0\n')),
    project('b.yaml', 'source: x\n'),
    project('c.yaml', minimal('deploy: latest\n')),
  ]);
  assert.deepEqual(state.brokenProjects, ['b']);
  assert.deepEqual(
    state.projects.map((p) => [p.name, p.deploy]),
    [
      ['a', '1.0.0'],
      ['c', 'latest'],
    ],
  );
  assert.equal(state.settingsBroken, false);
  assert.ok(state.problems.every((p) => p.file === 'projects/b.yaml'));
});

test('an empty project file is broken, not silently a project with no build', () => {
  const state = readDesiredState(settings(), [project('site.yaml', '')]);
  assert.deepEqual(state.brokenProjects, ['site']);
  assert.equal(state.projects.length, 0);
  assert.equal(state.problems.length, 1);
});

test('a missing opus.yaml marks the settings broken, and projects are still checked', () => {
  const state = readDesiredState(undefined, [project('site.yaml', minimal()), project('bad.yaml', 'nope: 1\n')]);
  assert.equal(state.settingsBroken, true);
  const problem = state.problems.find((p) => p.file === 'opus.yaml');
  assert.match(problem?.message ?? '', /missing/);
  assert.match(problem?.message ?? '', /opus init/);
  assert.deepEqual(state.brokenProjects, ['bad']);
  assert.deepEqual(
    state.projects.map((p) => p.name),
    ['site'],
  );
});

test('an opus.yaml that is not YAML, or has a bad value, marks the settings broken with where', () => {
  const syntax = readDesiredState(settings('builds:\n  concurrency: 2\n  timeout: [1m\n'), []);
  assert.equal(syntax.settingsBroken, true);
  assert.equal(syntax.problems[0]?.file, 'opus.yaml');
  assert.equal(typeof syntax.problems[0]?.line, 'number');

  const value = readDesiredState(settings('builds:\n  memory: lots\nretention:\n  keep: 0\n'), []);
  assert.equal(value.settingsBroken, true);
  assert.deepEqual(value.problems.map((p) => p.path).sort(), ['builds.memory', 'retention.keep']);
});

test('a domain claimed by two projects breaks the second one, naming the first', () => {
  const state = readDesiredState(settings(), [
    project('zeta.yaml', minimal('domains:\n  - www.example.com\n  - shared.example.com\n')),
    project('alpha.yaml', minimal('domains:\n  - shared.example.com\n')),
    project('other.yaml', minimal('domains:\n  - other.example.com\n')),
  ]);
  assert.deepEqual(state.brokenProjects, ['zeta']);
  const problem = state.problems.find((p) => p.file === 'projects/zeta.yaml');
  assert.equal(problem?.path, 'domains.1');
  assert.match(problem?.message ?? '', /"shared\.example\.com" is already a domain of project "alpha"/);
  assert.deepEqual(
    state.projects.map((p) => [p.name, p.domains]),
    [
      ['alpha', ['shared.example.com']],
      ['other', ['other.example.com']],
    ],
  );
});

test('deploy must be a version that can be a directory name, or "latest"', () => {
  for (const bad of ['../../etc', 'a/b', 'archive', '.hidden', '1..2']) {
    const state = readDesiredState(settings(), [project('site.yaml', minimal(`deploy: "${bad}"\n`))]);
    const problem = state.problems.find((p) => p.path === 'deploy');
    assert.ok(problem, `deploy "${bad}" was accepted`);
    assert.equal(problem.file, 'projects/site.yaml');
    assert.match(problem.message, /"latest"/);
    assert.deepEqual(state.brokenProjects, ['site']);
    assert.equal(state.projects.length, 0);
  }
  for (const good of ['latest', 'v1.2.3', '1.0.0-rc.1', 'release_2024+build.5']) {
    const state = readDesiredState(settings(), [project('site.yaml', minimal(`deploy: "${good}"\n`))]);
    assert.deepEqual(state.problems, [], good);
    assert.equal(state.projects[0]?.deploy, good);
  }
});

test('formatProblem shows file, line and path in the order an editor understands', () => {
  assert.equal(formatProblem({ file: 'projects/a.yaml', path: 'build.image', message: 'required' }), 'projects/a.yaml build.image: required');
  assert.equal(formatProblem({ file: 'opus.yaml', path: '', message: 'bad', line: 3 }), 'opus.yaml:3: bad');
});

test('a wrong value and an unknown key are pointed at by line, as `opus validate` prints them', () => {
  const text = ['source: x', 'deploy: "../1.0"', 'build:', '  image: node:20', '  command: 5', '  outptu: dist', ''].join('\n');
  const state = readDesiredState(settings(), [project('site.yaml', text)]);
  const lines = Object.fromEntries(problemsOf(state.problems, 'projects/site.yaml').map((p) => [formatProblem(p).replace(/: .*$/, ''), p.line]));
  assert.deepEqual(lines, { 'projects/site.yaml:5 build.command': 5, 'projects/site.yaml:6 build': 6 });
});
