// Builds as Kubernetes Jobs: offer the source and accept the output on one-time URLs, create the
// Job, poll it (and its pod, for why it failed) until it ends, copying what its containers logged
// since the last poll into the build log (so it can be followed live), and delete the Job whatever
// happened. The cluster enforces the timeout
// (activeDeadlineSeconds) and the memory limit; a cancel deletes the Job.
import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig, type V1Job, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { DEFAULT_BUILD_LIMITS } from '../../domain/build-limits.js';
import { buildJob, buildJobName, buildSecret, jobState, podStuck, type JobState } from '../../domain/k8s/build-job.js';
import { UserError } from '../../domain/errors.js';
import type { BuildJob, BuildRunner } from '../../ports/build-runner.js';
import { KubeObjects } from './kube-objects.js';
import type { TransferServer } from './transfer-server.js';

/** What the runner needs of the cluster, in its namespace. */
export interface JobsApi {
  create(job: V1Job): Promise<void>;
  read(name: string): Promise<V1Job | undefined>;
  /** The pod of a Job (by the opus.dev/job label the runner puts on it). */
  podOf(name: string): Promise<V1Pod | undefined>;
  /** A container's log from its start, at most limitBytes of it. */
  logs(pod: string, container: string, limitBytes: number): Promise<string>;
  delete(name: string): Promise<void>;
  /** A build's secrets (created before its Job, deleted after it). */
  createSecret(secret: V1Secret): Promise<void>;
  deleteSecret(name: string): Promise<void>;
}

export function kubeJobsApi(kc: KubeConfig, namespace: string): JobsApi {
  const objects = KubeObjects.fromConfig(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const ref = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
  return {
    create: (job) => objects.create(job),
    read: async (name) => await objects.read(ref(name)),
    podOf: async (name) => (await core.listNamespacedPod({ namespace, labelSelector: `opus.dev/job=${name}` })).items[0],
    logs: (pod, container, limitBytes) => core.readNamespacedPodLog({ name: pod, namespace, container, limitBytes }),
    delete: async (name) => void (await objects.delete(ref(name))),
    createSecret: (secret) => objects.create(secret),
    deleteSecret: async (name) => void (await objects.delete({ apiVersion: 'v1', kind: 'Secret', name, namespace })),
  };
}

export interface KubernetesJobRunnerOptions {
  api: JobsApi;
  namespace: string;
  /** The Opus image, whose CLI moves source and output in the pod. */
  helperImage: string;
  transfers: TransferServer;
  /** The server's pod (POD_NAME, POD_UID): build Jobs and their Secrets are its dependents. */
  owner?: { name: string; uid: string };
  pollMs?: number;
}

const CONTAINERS = ['fetch-source', 'build', 'upload-output'];

export class KubernetesJobRunner implements BuildRunner {
  constructor(private readonly options: KubernetesJobRunnerOptions) {}

  async run(job: BuildJob): Promise<void> {
    const { api, transfers, namespace } = this.options;
    if (job.signal?.aborted) throw new UserError('the build was cancelled');
    const name = buildJobName(job.project, job.version, randomUUID());
    const ttl = job.spec.timeoutMs + 5 * 60_000;
    // Only the build's own pod, by its IP, asked of the API when a request comes (the pod has no IP when the Job is made).
    const guard = async (address: string) => podAddresses(await api.podOf(name)).includes(address.replace(/^::ffff:/, ''));
    const source = transfers.offerDownload(job.sourceDir, ttl, guard);
    const limits = { limits: job.spec.limits ?? DEFAULT_BUILD_LIMITS, note: (line: string) => job.log.write(`${line}\n`) };
    const output = transfers.acceptUpload(job.outputDir, ttl, limits, guard);
    const secretKeys = Object.keys(job.secretEnv ?? {});
    const owner = this.options.owner;
    if (job.spec.network !== 'default') job.log.write(`opus: build.network ${job.spec.network} has no effect on Kubernetes: the pod has the cluster's network\n`);
    job.log.write(`opus: building in Job ${namespace}/${name} (image ${job.spec.image})\n`);
    try {
      if (secretKeys.length > 0) await api.createSecret(buildSecret({ namespace, name, project: job.project, ...(owner ? { owner } : {}) }, job.secretEnv ?? {}));
      const manifest = buildJob({
        namespace, name, project: job.project, version: job.version, commit: job.commit, spec: job.spec, helperImage: this.options.helperImage, sourceUrl: source.url, outputUrl: output.url,
        ...(owner ? { owner } : {}),
        ...(secretKeys.length > 0 ? { secrets: { name, keys: secretKeys } } : {}),
        ...(job.secretKeys && Object.keys(job.secretKeys).length > 0 ? { secretKeys: job.secretKeys } : {}),
      });
      await api.create(manifest);
      // The API answers a container's whole log on every poll: never more than the build log may hold.
      const logs = new LogCopier(api, job.log, (job.spec.limits ?? DEFAULT_BUILD_LIMITS).logBytes + 1);
      const state = await this.wait(name, job, logs);
      await logs.copy(await api.podOf(name).catch(() => undefined), true);
      if (!state.ok) throw new UserError(state.reason);
      // The upload container exits 0 only after the server answered, so this is at once, or never.
      const late = new AbortController();
      await Promise.race([output.received.finally(() => late.abort()), delay(30_000, late.signal).then(() => {
        if (!late.signal.aborted) throw new UserError('the build Job succeeded but its output never arrived');
      })]);
    } finally {
      source.revoke();
      output.revoke();
      await api.delete(name).catch(() => undefined);
      if (secretKeys.length > 0) await api.deleteSecret(name).catch(() => undefined);
    }
  }

  private async wait(name: string, job: BuildJob, logs: LogCopier): Promise<Extract<JobState, { done: true }>> {
    // The cluster ends the Job at activeDeadlineSeconds; this only guards against a Job that never reports.
    const deadline = Date.now() + job.spec.timeoutMs + 60_000;
    for (;;) {
      if (job.signal?.aborted) throw new UserError('the build was cancelled');
      // The Job first, then its pod: the pod's status is then at least as new as the Job's (why it failed).
      const current = await this.options.api.read(name);
      const pod = await this.options.api.podOf(name);
      if (!current) throw new UserError(`the build Job ${name} was deleted before it finished`);
      const state = jobState(current, pod, job.spec);
      if (state.done) return state;
      await logs.copy(pod, false);
      const stuck = podStuck(pod);
      if (stuck) throw new UserError(stuck);
      if (Date.now() > deadline) throw new UserError(`the build timed out after ${Math.round(job.spec.timeoutMs / 1000)}s: raise build.timeout or make the build faster`);
      await delay(this.options.pollMs ?? 2000, job.signal);
    }
  }
}

/**
 * The pod's containers run one after another (two init containers, then the upload), so their logs
 * are appended in that order; each poll writes only what a container logged since the last one.
 * The API gives a container's whole log each time: build logs are small, and this needs no
 * long-lived streaming connection that a restarting API server would cut.
 */
class LogCopier {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly api: JobsApi,
    private readonly log: BuildJob['log'],
    private readonly limitBytes: number,
  ) {}

  async copy(pod: V1Pod | undefined, final: boolean): Promise<void> {
    const name = pod?.metadata?.name;
    if (!name) {
      if (final && this.written.size === 0) this.log.write('opus: the build pod is gone; no log\n');
      return;
    }
    for (const container of CONTAINERS) {
      // A container that has not started yet has no log (the API answers 400): nor have the ones after it.
      const text = await this.api.logs(name, container, Number.isFinite(this.limitBytes) ? this.limitBytes : 2 ** 31).catch(() => undefined);
      if (text === undefined) return;
      const from = this.written.get(container) ?? 0;
      if (text.length > from) this.log.write(text.slice(from));
      this.written.set(container, text.length);
      if (final && text.length > 0 && !text.endsWith('\n')) this.log.write('\n');
    }
  }
}

function podAddresses(pod: V1Pod | undefined): string[] {
  return [pod?.status?.podIP, ...(pod?.status?.podIPs ?? []).map((p) => p.ip)].filter((ip): ip is string => Boolean(ip));
}

/** Waits ms, or less when the signal aborts (it resolves then: the caller looks at the signal). */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
