// A build as a Job (schema-valid, locked down, limits and deadline from the build settings), what a
// Job's status means, the Lease decisions, and the runner chosen by opus.yaml.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { buildJob, buildJobName, buildSecret, jobState, podStuck } from '../../src/domain/k8s/build-job.js';
import { leaseAction, leaseTiming, observe, untilExpiry } from '../../src/domain/k8s/lease.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import type { BuildJob, BuildRunner } from '../../src/ports/build-runner.js';
import { RunnerChoice } from '../../src/services/build-service.js';

const spec = { image: 'node:20', command: 'npm ci && npm run build', output: 'dist', env: { VITE_API: 'https://api.example.com' }, network: 'default' as const, timeoutMs: 15 * 60_000, memoryBytes: 2 * 1024 ** 3 };
const input = { namespace: 'opus', name: 'opus-build-site-0123456789', project: 'site', version: '1.2.0', commit: 'abc', spec, helperImage: 'ghcr.io/opus/opus:0.1.0', sourceUrl: 'http://10.0.0.5:8081/transfer/s', outputUrl: 'http://10.0.0.5:8081/transfer/o' };

test('a build Job validates against the Kubernetes schema and is locked down', () => {
  const job = buildJob(input);
  assert.doesNotThrow(() => new Job(structuredClone(job) as never).validate());
  assert.equal(job.spec?.activeDeadlineSeconds, 900);
  assert.equal(job.spec?.backoffLimit, 0);
  const pod = job.spec?.template.spec;
  assert.equal(pod?.restartPolicy, 'Never');
  assert.equal(pod?.automountServiceAccountToken, false, 'a build cannot reach the API');
  assert.equal(pod?.hostNetwork ?? false, false);
  assert.deepEqual(pod?.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  assert.deepEqual(pod?.volumes?.map((v) => Object.keys(v).filter((k) => k !== 'name')), [['emptyDir'], ['emptyDir']], 'no hostPath, no socket');
  const containers = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
  assert.deepEqual(containers.map((c) => `${c.name}:${c.image}`), ['fetch-source:ghcr.io/opus/opus:0.1.0', 'build:node:20', 'upload-output:ghcr.io/opus/opus:0.1.0']);
  for (const c of containers) {
    assert.equal(c.securityContext?.privileged, false);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] });
    assert.ok(c.resources?.limits?.memory);
  }
  const build = pod?.initContainers?.[1];
  assert.deepEqual(build?.command, ['sh', '-c', 'npm ci && npm run build']);
  assert.equal(build?.resources?.limits?.memory, String(2 * 1024 ** 3));
  assert.ok(build?.env?.some((e) => e.name === 'VITE_API' && e.value === 'https://api.example.com'));
  assert.deepEqual(pod?.containers[0]?.command?.slice(-3), ['put', '/workspace/src/dist', 'http://10.0.0.5:8081/transfer/o']);
  assert.equal(job.spec?.template.metadata?.labels?.['opus.dev/job'], input.name);
  assert.equal(job.metadata?.annotations?.['opus.dev/version'], '1.2.0');
});

test('build.limits.disk bounds what a Job build writes: its volumes\' sizeLimit and the container\'s ephemeral storage; an eviction says which limit', () => {
  const limited = { ...spec, limits: { outputBytes: 1024 ** 3, files: 50_000, fileBytes: 50 * 1024 ** 2, logBytes: 10 * 1024 ** 2, diskBytes: 2 * 1024 ** 3 } };
  const job = buildJob({ ...input, spec: limited });
  assert.doesNotThrow(() => new Job(structuredClone(job) as never).validate());
  const pod = job.spec?.template.spec;
  assert.deepEqual(pod?.volumes?.map((v) => [v.name, v.emptyDir?.sizeLimit]), [['workspace', String(2 * 1024 ** 3)], ['tmp', String(2 * 1024 ** 3)]]);
  assert.equal(pod?.initContainers?.find((c) => c.name === 'build')?.resources?.limits?.['ephemeral-storage'], String(2 * 1024 ** 3));
  assert.equal(buildJob(input).spec?.template.spec?.volumes?.[0]?.emptyDir?.sizeLimit, String(10 * 1024 ** 3), 'the default: 10 GiB');
  const evicted: V1Pod = { status: { phase: 'Failed', reason: 'Evicted', message: 'Usage of EmptyDir volume "workspace" exceeds the limit "2147483648". ' } };
  const failed: V1Job = { status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } };
  assert.match(JSON.stringify(jobState(failed, evicted, limited)), /the build pod was evicted: Usage of EmptyDir volume \\"workspace\\" exceeds the limit.*build\.limits\.disk is 2147483648 bytes/);
});

test('Job names are DNS labels, unique per attempt', () => {
  const long = buildJobName('a'.repeat(63), 'v1', 'x');
  assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(long), long);
  assert.notEqual(buildJobName('site', '1.0.0', 'a'), buildJobName('site', '1.0.0', 'b'));
});

test('what a Job\'s status means', () => {
  const job = (status: V1Job['status']): V1Job => ({ status });
  const pod = (name: string, exitCode: number, reason = 'Error'): V1Pod => ({ status: { initContainerStatuses: [{ name: 'fetch-source', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }, { name, image: 'node:20', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } }] } });
  assert.deepEqual(jobState(job({ active: 1 }), undefined, spec), { done: false });
  assert.deepEqual(jobState(job({ succeeded: 1 }), undefined, spec), { done: true, ok: true });
  const failed = job({ failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] });
  assert.match(JSON.stringify(jobState(failed, pod('build', 2), spec)), /exited with code 2/);
  assert.match(JSON.stringify(jobState(failed, pod('build', 137, 'OOMKilled'), spec)), /ran out of memory \(limit 2048 MiB\)/);
  assert.match(JSON.stringify(jobState(failed, pod('fetch-source', 1), spec)), /could not fetch the source/);
  assert.match(JSON.stringify(jobState(job({ failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] }), undefined, spec)), /timed out after 900s/);
  const pulling: V1Pod = { status: { initContainerStatuses: [{ name: 'build', image: 'nope:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } };
  assert.match(podStuck(pulling) ?? '', /the image nope:1 cannot be pulled \(ImagePullBackOff\)/);
  assert.equal(podStuck(pod('build', 0)), undefined);
});

test('Lease decisions: create, renew our own, take a released one or one unchanged for a duration on our clock, else wait', () => {
  const timing = leaseTiming(15);
  assert.deepEqual(timing, { durationMs: 15_000, renewDeadlineMs: 10_000, retryMs: 2_000 });
  assert.throws(() => leaseTiming(10, 10), /renew deadline .* must be shorter than the lease duration/);
  const seen = observe(undefined, { holder: 'b', version: '7' }, 1_000);
  assert.equal(observe(seen, { holder: 'b', version: '7' }, 9_000), seen, 'the same record keeps the time it was first seen');
  assert.equal(observe(seen, { holder: 'b', version: '8' }, 9_000).seenAt, 9_000, 'a renew is a new record');
  assert.equal(leaseAction(undefined, 'a', seen, 0, timing), 'create');
  assert.equal(leaseAction({ holder: 'a', version: '7' }, 'a', seen, 99_000, timing), 'renew');
  assert.equal(leaseAction({ holder: 'b', version: '7' }, 'a', seen, 15_999, timing), 'wait');
  assert.equal(leaseAction({ holder: 'b', version: '7' }, 'a', seen, 16_000, timing), 'take');
  assert.equal(leaseAction({ version: '7' }, 'a', seen, 1_000, timing), 'take');
  assert.equal(untilExpiry(seen, 10_000, timing), 6_000);
});

test('opus.yaml builds.runner picks the runner per build', async () => {
  const ran: string[] = [];
  const fake = (name: string): BuildRunner => ({ run: async () => void ran.push(name) });
  let wanted: 'docker' | 'kubernetes' | undefined;
  const job = {} as BuildJob;
  await new RunnerChoice(() => wanted, { docker: fake('docker'), kubernetes: fake('kubernetes') }).run(job);
  wanted = 'kubernetes';
  await new RunnerChoice(() => wanted, { docker: fake('docker'), kubernetes: fake('kubernetes') }).run(job);
  assert.deepEqual(ran, ['docker', 'kubernetes']);
  await assert.rejects(new RunnerChoice(() => wanted, { docker: fake('docker') }).run(job), /does not run in a Kubernetes cluster/);
  const state = readDesiredState({ path: 'opus.yaml', text: 'builds:\n  runner: kubernetes\n' }, []);
  assert.equal(state.settings.runner, 'kubernetes');
  assert.match(JSON.stringify(readDesiredState({ path: 'opus.yaml', text: 'builds:\n  runner: nomad\n' }, []).problems), /builds\.runner/);
});

test('a build Job is owned by the server pod, has a CPU limit, and takes its secrets by reference only', () => {
  const owner = { name: 'opus-5d9f-x2', uid: '0f1e2d3c-aaaa-bbbb-cccc-1234567890ab' };
  const job = buildJob({ ...input, spec: { ...spec, env: { ...spec.env, NPM_TOKEN: 'not-this' }, sandbox: { cpus: 1.5, pids: 1024, user: '1000:1000' } }, owner, secrets: { name: input.name, keys: ['NPM_TOKEN'] } });
  assert.doesNotThrow(() => new Job(structuredClone(job) as never).validate());
  assert.deepEqual(job.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid }]);
  const build = job.spec?.template.spec?.initContainers?.[1];
  assert.equal(build?.resources?.limits?.cpu, '1.5');
  assert.deepEqual(build?.env?.filter((e) => e.name === 'NPM_TOKEN'), [{ name: 'NPM_TOKEN', valueFrom: { secretKeyRef: { name: input.name, key: 'NPM_TOKEN' } } }], 'the secret wins over build.env, and only by reference');
  const secret = buildSecret({ namespace: 'opus', name: input.name, project: 'site', owner }, { NPM_TOKEN: 'v4lue-of-the-token' });
  assert.deepEqual(secret.stringData, { NPM_TOKEN: 'v4lue-of-the-token' });
  assert.deepEqual(secret.metadata?.ownerReferences, job.metadata?.ownerReferences);
  assert.equal(secret.metadata?.labels?.['app.kubernetes.io/component'], 'build');
  assert.ok(!JSON.stringify(job).includes('v4lue-of-the-token'));
});
