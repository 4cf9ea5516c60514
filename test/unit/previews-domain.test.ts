import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { tagVersionProblem, previewVersion, isPreviewVersion } from '../../src/domain/names.js';
import { branchLabel } from '../../src/domain/previews/branch-label.js';
import { branchMatches } from '../../src/domain/previews/preview-config.js';
import { resolvePreviewLabel, type Preview } from '../../src/domain/previews/preview-state.js';
import { planPreview, previewBuilt, pullRequestGate, type PreviewFacts } from '../../src/domain/previews/preview-plan.js';
import { jsonSchemas } from '../../src/domain/schema.js';
import { plan } from '../../src/domain/plan.js';
import { lineOfPath } from '../../src/domain/yaml-lines.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);

function projectFile(extra: string): { path: string; text: string } {
  return { path: 'projects/site.yaml', text: `source: https://git.example.com/acme/site.git\ndeploy: 1.0.0\nbuild:\n  image: node:20\n  command: npm run build\n${extra}` };
}

test('previews: in a project file gets its defaults, and the JSON Schema describes it', () => {
  const state = readDesiredState({ path: 'opus.yaml', text: '' }, [projectFile('previews:\n  branches: ["feature/*"]\n')]);
  assert.deepEqual(state.problems, []);
  assert.deepEqual(state.projects[0]?.previews, { pullRequests: true, branches: ['feature/*'], forks: false, label: 'preview', max: 10, env: {}, secrets: {}, productionSecrets: false });
  const schema = jsonSchemas().project as { properties: Record<string, { properties?: Record<string, unknown> }> };
  assert.deepEqual(Object.keys(schema.properties.previews?.properties ?? {}).sort(), ['branches', 'env', 'forks', 'label', 'max', 'productionSecrets', 'pullRequests', 'secrets']);
});

test('a wrong previews: key says which and where', () => {
  const state = readDesiredState({ path: 'opus.yaml', text: '' }, [projectFile('previews:\n  fork: true\n  max: 0\n')]);
  assert.deepEqual(state.problems.map((p) => `${p.path}: ${p.message}`).sort(), ['previews.max: Too small: expected number to be >=1', 'previews: unknown key "fork" (did you mean "forks"?)']);
  assert.deepEqual(state.brokenProjects, ['site']);
});

test('preview versions are keyed by commit and can never be a tag to deploy', () => {
  assert.equal(previewVersion(SHA_A.toUpperCase()), 'sha-aaaaaaaaaaaa');
  assert.ok(isPreviewVersion('sha-aaaaaaaaaaaa'));
  assert.ok(!isPreviewVersion('1.2.0'));
  assert.match(tagVersionProblem('sha-aaaaaaaaaaaa') ?? '', /keeps for preview builds/);
  assert.match(tagVersionProblem('sha-release') ?? '', /keeps for preview builds/);
  assert.equal(tagVersionProblem('1.2.0'), undefined);
  const state = readDesiredState({ path: 'opus.yaml', text: '' }, [{ path: 'projects/site.yaml', text: projectFile('').text.replace('1.0.0', 'sha-aaaaaaaaaaaa') }]);
  assert.equal(state.problems[0]?.path, 'deploy');
});

test('branch names become DNS labels as Cloudflare Pages makes its aliases', () => {
  assert.equal(branchLabel('Test-ABC'), 'test-abc');
  assert.equal(branchLabel('Test:abc'), 'test-abc');
  assert.equal(branchLabel('-test-abc-'), 'test-abc');
  assert.equal(branchLabel('feature/New_Login'), 'feature-new-login');
  assert.equal(branchLabel('dependabot/npm_and_yarn/dustjs-linkedin-3.0.0'), 'dependabot-npm-and-yarn-dust');
  assert.equal(branchLabel('abcdef123456abcdef123456abcdef123456'), 'abcdef123456abcdef123456abcd');
  assert.equal(branchLabel('a'.repeat(27) + '/b'), 'a'.repeat(27), 'a cut that ends in "-" is trimmed');
  const empty = branchLabel('-::::-');
  assert.match(empty, /^branch-[0-9a-f]{10}$/);
  assert.equal(branchLabel('-::::-'), empty, 'the same name gets the same label at every push');
});

test('branch globs: * within a segment, ** across', () => {
  assert.ok(branchMatches(['main'], 'main'));
  assert.ok(branchMatches(['feature/*'], 'feature/login'));
  assert.ok(!branchMatches(['feature/*'], 'feature/a/b'));
  assert.ok(branchMatches(['release/**'], 'release/1.x/hotfix'));
  assert.ok(!branchMatches(['feat.*'], 'featx'), 'a dot is a dot');
  assert.ok(!branchMatches([], 'main'));
});

const spec = { pullRequests: true, branches: [], forks: false, label: 'preview', max: 3, env: {}, secrets: {}, productionSecrets: false };
const pr = { kind: 'pull-request' as const, provider: 'github' as const, intent: 'build' as const, action: 'opened', number: 7, headSha: SHA_A, headBranch: 'x', fetchRef: 'refs/pull/7/head', baseBranch: 'main', labels: [] as string[], author: 'mallory', repoUrls: [] };

test('fork pull requests and authors without write access are gated', () => {
  assert.deepEqual(pullRequestGate(spec, { ...pr, fork: false, writeAccess: true }), { allowed: true });
  const fork = pullRequestGate(spec, { ...pr, fork: true, writeAccess: false, labels: ['preview'] });
  assert.ok(!fork.allowed && /forks/.test(fork.reason));
  const unlabelled = pullRequestGate({ ...spec, forks: true }, { ...pr, fork: true, writeAccess: false });
  assert.ok(!unlabelled.allowed && /label "preview"/.test(unlabelled.reason));
  assert.deepEqual(pullRequestGate({ ...spec, forks: true }, { ...pr, fork: true, writeAccess: false, labels: ['preview'] }), { allowed: true });
  assert.ok(!pullRequestGate({ ...spec, pullRequests: false }, { ...pr, fork: false, writeAccess: true }).allowed);
});

function facts(built: string[], production: string[] = [], now = 1_000): PreviewFacts {
  return { project: 'site', built: new Set(built), production: new Set(production), now };
}
const open = (alias: string, commit: string) => ({ kind: 'open' as const, alias, type: 'pr' as const, number: Number(alias.slice(3)), commit, fetchRef: `refs/pull/${alias.slice(3)}/head`, provider: 'github' as const });

test('the plan builds a new head once, points at a built one, and moves the alias only when it builds', () => {
  const first = planPreview([], open('pr-1', SHA_A), spec, facts([]));
  assert.deepEqual(first.build, { version: 'sha-aaaaaaaaaaaa', commit: SHA_A, fetchRef: 'refs/pull/1/head' });
  assert.equal(first.touched?.status, 'pending');
  const built = previewBuilt(first.previews, 'sha-aaaaaaaaaaaa', true, undefined, 2_000);
  assert.equal(built.previews[0]?.served, 'sha-aaaaaaaaaaaa');
  // The same commit asked for by another pull request is not built again.
  const other = planPreview(built.previews, open('pr-2', SHA_A), spec, facts(['sha-aaaaaaaaaaaa']));
  assert.equal(other.build, undefined);
  assert.equal(other.touched?.served, 'sha-aaaaaaaaaaaa');
  // A push: the new head builds; the alias keeps serving the old one until then, and then moves.
  const pushed = planPreview(built.previews, open('pr-1', SHA_B), spec, facts(['sha-aaaaaaaaaaaa']));
  assert.equal(pushed.touched?.served, 'sha-aaaaaaaaaaaa');
  assert.deepEqual(pushed.touched?.versions, ['sha-bbbbbbbbbbbb', 'sha-aaaaaaaaaaaa']);
  const failed = previewBuilt(pushed.previews, 'sha-bbbbbbbbbbbb', false, 'exit 1', 3_000);
  assert.deepEqual([failed.previews[0]?.status, failed.previews[0]?.served, failed.previews[0]?.error], ['failed', 'sha-aaaaaaaaaaaa', 'exit 1']);
  assert.deepEqual(pushed.removeVersions, [], 'the old head keeps its own URL while the pull request is open');
});

test('closing removes the versions only that preview used, never production ones', () => {
  const previews: Preview[] = [
    { project: 'site', alias: 'pr-1', kind: 'pr', number: 1, provider: 'github', fetchRef: 'r', commit: SHA_B, status: 'ready', served: 'sha-bbbbbbbbbbbb', versions: ['sha-bbbbbbbbbbbb', 'sha-aaaaaaaaaaaa', '1.0.0'], createdAt: 'a', updatedAt: 'a' },
    { project: 'site', alias: 'pr-2', kind: 'pr', number: 2, provider: 'github', fetchRef: 'r', commit: SHA_A, status: 'ready', served: 'sha-aaaaaaaaaaaa', versions: ['sha-aaaaaaaaaaaa'], createdAt: 'a', updatedAt: 'a' },
  ];
  const closed = planPreview(previews, { kind: 'close', alias: 'pr-1' }, spec, facts(['sha-aaaaaaaaaaaa', 'sha-bbbbbbbbbbbb', '1.0.0'], ['1.0.0']));
  assert.deepEqual(closed.removed.map((p) => p.alias), ['pr-1']);
  assert.deepEqual(closed.removeVersions, ['sha-bbbbbbbbbbbb'], 'pr-2 still serves sha-aaaa; 1.0.0 is no preview');
  assert.deepEqual(closed.previews.map((p) => p.alias), ['pr-2']);
});

test('over the cap, the preview updated longest ago goes first, never the one asked for', () => {
  let previews: Preview[] = [];
  const built: string[] = [];
  for (const [i, sha] of [SHA_A, SHA_B, SHA_C].entries()) {
    previews = planPreview(previews, open(`pr-${i + 1}`, sha), spec, facts(built, [], 1_000 + i)).previews;
    built.push(previewVersion(sha));
    previews = previewBuilt(previews, previewVersion(sha), true, undefined, 1_000 + i).previews;
  }
  const fourth = planPreview(previews, open('pr-4', 'd'.repeat(40)), spec, facts(built, [], 5_000));
  assert.deepEqual(fourth.removed.map((p) => p.alias), ['pr-1']);
  assert.deepEqual(fourth.removeVersions, ['sha-aaaaaaaaaaaa']);
  assert.deepEqual(fourth.previews.map((p) => p.alias).sort(), ['pr-2', 'pr-3', 'pr-4']);
});

test('host labels: pr-<n> and branch aliases follow their preview, a commit prefix names its build', () => {
  const previews: Preview[] = [
    { project: 'site', alias: 'pr-3', kind: 'pr', number: 3, provider: 'github', fetchRef: 'r', commit: SHA_B, status: 'pending', served: 'sha-aaaaaaaaaaaa', versions: [], createdAt: 'a', updatedAt: 'a' },
    { project: 'site', alias: 'feature-x', kind: 'branch', branch: 'feature/x', provider: 'github', fetchRef: 'r', commit: SHA_B, status: 'ready', served: 'sha-bbbbbbbbbbbb', versions: [], createdAt: 'a', updatedAt: 'a' },
  ];
  const built = ['1.0.0', 'sha-aaaaaaaaaaaa', 'sha-bbbbbbbbbbbb', 'sha-abcdef000000', 'sha-abcdef111111'];
  assert.equal(resolvePreviewLabel('pr-3', previews, built), 'sha-aaaaaaaaaaaa');
  assert.equal(resolvePreviewLabel('feature-x', previews, built), 'sha-bbbbbbbbbbbb');
  assert.equal(resolvePreviewLabel('bbbbbbb', previews, built), 'sha-bbbbbbbbbbbb');
  assert.equal(resolvePreviewLabel('abcdef0', previews, built), 'sha-abcdef000000');
  assert.equal(resolvePreviewLabel('abcdef', previews, built), undefined, 'fewer than 7 digits');
  assert.equal(resolvePreviewLabel('abcdef1', previews, built), 'sha-abcdef111111');
  assert.equal(resolvePreviewLabel('pr-9', previews, built), undefined);
  assert.equal(resolvePreviewLabel('1-0-0', previews, built), undefined, 'tag versions are the router\'s own');
});

test('retention of the sync plan never counts or prunes preview builds', () => {
  const desired = readDesiredState({ path: 'opus.yaml', text: '' }, [projectFile('retention:\n  keep: 1\n')]);
  const built = ['1.0.0', '0.9.0', '0.8.0', 'sha-aaaaaaaaaaaa'].map((version, i) => ({ version, builtAt: 100 - i }));
  const result = plan(desired, { built: { site: built }, live: { site: { version: '1.0.0', domains: [] } }, failed: {}, inFlight: new Set() }, {}, 0);
  assert.deepEqual(result.actions.filter((a) => a.kind === 'prune').map((a) => a.version), ['0.8.0']);
});

test('a problem\'s path gives its line in the YAML (a missing key: its parent\'s)', () => {
  const text = '# site\nsource: x\ndeploy: "1.0"\nbuild:\n  image: node\n  command: |\n    npm run build\nredirects:\n  - from: /a\n    to: /b\n  - from: /c\n    to: /d\n';
  assert.equal(lineOfPath(text, 'deploy'), 3);
  assert.equal(lineOfPath(text, 'build.image'), 5);
  assert.equal(lineOfPath(text, 'build.command'), 6);
  assert.equal(lineOfPath(text, 'build.output'), 4);
  assert.equal(lineOfPath(text, 'redirects.1.to'), 12);
  assert.equal(lineOfPath(text, 'domains'), undefined);
  assert.equal(lineOfPath('not: [valid', 'not'), 1);
});
