// build.secrets from a Kubernetes Secret: accepted for Job builds only, given to the build
// container by secretKeyRef to the user's own Secret (the server never reads the value), and
// refused with a message that says what to use for Docker builds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { resolveBuildSecrets } from '../../src/domain/build-secrets.js';
import { readDesiredState, type ConfigFile } from '../../src/domain/desired-state.js';
import { buildJob, podStuck } from '../../src/domain/k8s/build-job.js';
import { previewBuildSpec } from '../../src/domain/previews/preview-plan.js';
import type { SecretRef } from '../../src/domain/schema.js';

const projectFile = (secrets: string): ConfigFile => ({ path: 'projects/site.yaml', text: `source: https://git.example.com/site.git\nbuild:\n  image: node:20\n  command: npm ci && npm run build\n  env:\n    NPM_TOKEN: not-a-secret\n  secrets:\n${secrets}` });
const onJobs: ConfigFile = { path: 'opus.yaml', text: 'builds:\n  runner: kubernetes\n' };
const onDocker: ConfigFile = { path: 'opus.yaml', text: 'sync:\n  interval: 1m\n' };
const KUBE_SECRET = '    NPM_TOKEN: { kubernetesSecret: { name: npm, key: token } }\n    SENTRY: { env: OPUS_SENTRY }\n';

test('a Kubernetes Secret is a build secret of a Job build: kept as a reference, never read by the server', () => {
  const state = readDesiredState(onJobs, [projectFile(KUBE_SECRET)]);
  assert.deepEqual(state.problems, []);
  const secrets = state.projects[0]?.build.secrets;
  assert.deepEqual(secrets, { NPM_TOKEN: { kubernetesSecret: { name: 'npm', key: 'token' } }, SENTRY: { env: 'OPUS_SENTRY' } });
  const asked: SecretRef[] = [];
  const resolved = resolveBuildSecrets(secrets, (ref) => (asked.push(ref), 'sentry-value'), 4);
  assert.deepEqual(asked, [{ env: 'OPUS_SENTRY' }], 'the server reads only its own secrets');
  assert.deepEqual(resolved.env, { SENTRY: 'sentry-value' });
  assert.deepEqual(resolved.values, ['sentry-value'], 'what the server knows is still masked');
  assert.deepEqual(resolved.kubernetes, { NPM_TOKEN: { name: 'npm', key: 'token' } });
});

test('a wrong Kubernetes Secret reference is a config problem at its path, saying what to write', () => {
  for (const [ref, message] of [['{ kubernetesSecret: { name: npm } }', /\{ kubernetesSecret: \{ name, key \} \}/], ['{ kubernetesSecret: { name: NPM_Secret, key: token } }', /\{ kubernetesSecret: \{ name, key \} \}|a Secret's name/], ['{ kubernetes: npm }', /\{ env: NAME \}, \{ file: \/path \} or \{ kubernetesSecret/]] as const) {
    const state = readDesiredState(onJobs, [projectFile(`    NPM_TOKEN: ${ref}\n`)]);
    assert.equal(state.projects.length, 0, ref);
    assert.match(state.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), message, ref);
    assert.match(state.problems[0]?.path ?? '', /^build\.secrets\.NPM_TOKEN/);
  }
});

test('with Docker builds a Kubernetes Secret is refused with its name, line and what to use instead', async () => {
  const state = readDesiredState(onDocker, [projectFile(KUBE_SECRET)]);
  assert.deepEqual(state.projects, []);
  assert.deepEqual(state.brokenProjects, ['site']);
  const [problem] = state.problems;
  assert.equal(problem?.path, 'build.secrets.NPM_TOKEN');
  assert.equal(problem?.line, 8);
  assert.match(problem?.message ?? '', /a Kubernetes Secret reaches only builds run as Jobs \(opus\.yaml builds\.runner: kubernetes\); these builds run in Docker: use \{ env: NAME \} or \{ file: \/path \}/);
  // And a Docker runner handed one anyway refuses before it touches the engine.
  const runner = new DockerBuildRunner(undefined, {});
  const job = { project: 'site', version: '1.0.0', commit: 'abc', spec: { image: 'node:20', command: 'true', output: 'dist', env: {}, network: 'default' as const, timeoutMs: 60_000, memoryBytes: 1024 ** 3 }, sourceDir: '/nonexistent', outputDir: '/nonexistent', log: process.stderr, secretKeys: { NPM_TOKEN: { name: 'npm', key: 'token' } } };
  await assert.rejects(runner.run(job), /build\.secrets\.NPM_TOKEN: a Kubernetes Secret reaches only builds run as Jobs/);
});

test('previews.secrets may name a Kubernetes Secret too: a preview Job build gets it, a Docker one is refused at its path', () => {
  const previewsFile = (ref: string): ConfigFile => ({ path: 'projects/site.yaml', text: `source: https://git.example.com/site.git\nbuild:\n  image: node:20\n  command: npm ci && npm run build\npreviews:\n  secrets:\n    NPM_TOKEN: ${ref}\n` });
  const onJobsState = readDesiredState(onJobs, [previewsFile('{ kubernetesSecret: { name: npm-preview, key: token } }')]);
  assert.deepEqual(onJobsState.problems, []);
  const [spec] = onJobsState.projects;
  assert.ok(spec?.previews);
  const build = previewBuildSpec(spec, spec.previews, { ref: 'refs/pull/7/head', commit: 'c0ffee' });
  assert.deepEqual(resolveBuildSecrets(build.build.secrets, () => assert.fail('the server reads no Kubernetes Secret'), 4).kubernetes, { NPM_TOKEN: { name: 'npm-preview', key: 'token' } });

  const onDockerState = readDesiredState(onDocker, [previewsFile('{ kubernetesSecret: { name: npm-preview, key: token } }')]);
  assert.deepEqual(onDockerState.brokenProjects, ['site']);
  assert.equal(onDockerState.problems[0]?.path, 'previews.secrets.NPM_TOKEN');
  assert.equal(onDockerState.problems[0]?.line, 7);
  assert.match(onDockerState.problems[0]?.message ?? '', /a Kubernetes Secret reaches only builds run as Jobs/);
  assert.match(readDesiredState(onJobs, [previewsFile('{ kubernetes: npm }')]).problems[0]?.message ?? '', /\{ env: NAME \}, \{ file: \/path \} or \{ kubernetesSecret/);
});

test('the build Job gets the Secret by secretKeyRef, over a build.env of the same name, and holds no value', () => {
  const spec = { image: 'node:20', command: 'npm ci', output: 'dist', env: { NPM_TOKEN: 'not-a-secret', VITE_API: 'https://api' }, network: 'default' as const, timeoutMs: 60_000, memoryBytes: 1024 ** 3 };
  const job = buildJob({ namespace: 'opus', name: 'opus-build-site-1', project: 'site', version: '1.0.0', commit: 'abc', spec, helperImage: 'opus:1', sourceUrl: 'http://s', outputUrl: 'http://o', secrets: { name: 'opus-build-site-1', keys: ['SENTRY'] }, secretKeys: { NPM_TOKEN: { name: 'npm', key: 'token' } } });
  assert.doesNotThrow(() => new Job(structuredClone(job) as never).validate());
  const build = job.spec?.template.spec?.initContainers?.find((c) => c.name === 'build');
  const npm = build?.env?.filter((e) => e.name === 'NPM_TOKEN');
  assert.deepEqual(npm, [{ name: 'NPM_TOKEN', valueFrom: { secretKeyRef: { name: 'npm', key: 'token' } } }]);
  assert.deepEqual(build?.env?.find((e) => e.name === 'SENTRY'), { name: 'SENTRY', valueFrom: { secretKeyRef: { name: 'opus-build-site-1', key: 'SENTRY' } } });
  assert.ok(build?.env?.some((e) => e.name === 'VITE_API' && e.value === 'https://api'));
  assert.ok(!JSON.stringify(job).includes('not-a-secret'), 'the overridden build.env value is left out');
  for (const helper of [...(job.spec?.template.spec?.initContainers ?? []), ...(job.spec?.template.spec?.containers ?? [])].filter((c) => c.name !== 'build')) {
    assert.ok(!JSON.stringify(helper.env ?? []).includes('secretKeyRef'), `${helper.name} gets no secret`);
  }
});

test('a build pod waiting for a Secret or key that is not there ends the build at once, saying which', () => {
  const pod = { status: { initContainerStatuses: [{ name: 'build', image: 'node:20', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "npm" not found' } } }] } };
  assert.equal(podStuck(pod), 'the build container cannot start: secret "npm" not found (check the Secrets build.secrets names with kubernetesSecret, and their keys)');
});
