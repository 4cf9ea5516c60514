// One build as a Kubernetes Job, and what its status means. Pure.
// The pod never sees the Docker socket, the API or the server's volume: an init container fetches
// the source from a one-time URL of the Opus server, the build runs in the project's image as a
// second init container, and the main container uploads the output to another one-time URL.
import { createHash } from 'node:crypto';
import type { V1Container, V1EnvVar, V1Job, V1OwnerReference, V1Pod, V1Secret } from '@kubernetes/client-node';
import { DEFAULT_BUILD_LIMITS, DEFAULT_SANDBOX, describeLimit } from '../build-limits.js';
import type { KubernetesSecretKey } from '../build-secrets.js';
import type { BuildSpec } from '../desired-state.js';
import { labels } from './manifests.js';

export const WORKSPACE = '/workspace';
const SOURCE_DIR = `${WORKSPACE}/src`;

export interface BuildJobInput {
  namespace: string;
  name: string;
  project: string;
  version: string;
  commit: string;
  spec: BuildSpec;
  /** The Opus image: its CLI moves the source in and the output out (`opus build-transfer`). */
  helperImage: string;
  sourceUrl: string;
  outputUrl: string;
  /** The server pod: the Job is its dependent, so the cluster deletes it when the pod goes. */
  owner?: { name: string; uid: string };
  /** The per-build Secret holding build.secrets (buildSecret()): its keys become the build's environment. */
  secrets?: { name: string; keys: string[] };
  /** build.secrets of Kubernetes Secrets: each a secretKeyRef to the user's own Secret, read by the kubelet, never by the server. */
  secretKeys?: Record<string, KubernetesSecretKey>;
}

/** The Secret of one build's secrets, owned by the server pod too; the runner deletes it after the build. */
export function buildSecret(input: Pick<BuildJobInput, 'namespace' | 'name' | 'project' | 'owner'>, values: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: input.name, namespace: input.namespace, labels: { ...labels('build'), 'opus.dev/project': input.project }, ...ownedBy(input.owner) },
    stringData: values,
  };
}

function ownedBy(owner: BuildJobInput['owner']): { ownerReferences?: V1OwnerReference[] } {
  return owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid }] } : {};
}

/** A DNS label (≤ 63) unique per attempt: a Job's name must fit a label value for its pods. */
export function buildJobName(project: string, version: string, attempt: string): string {
  return `opus-build-${project.slice(0, 30)}-${createHash('sha256').update(`${version}\0${attempt}`).digest('hex').slice(0, 10)}`.replace(/-+$/, '');
}

const restricted = (readOnlyRootFilesystem: boolean) => ({ allowPrivilegeEscalation: false, readOnlyRootFilesystem, privileged: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
const mounts = [{ name: 'workspace', mountPath: WORKSPACE }, { name: 'tmp', mountPath: '/tmp' }];
const helperResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } };

export function buildJob(input: BuildJobInput): V1Job {
  const { spec } = input;
  const memory = String(spec.memoryBytes);
  const diskBytes = (spec.limits ?? DEFAULT_BUILD_LIMITS).diskBytes;
  const disk = Number.isFinite(diskBytes) ? String(diskBytes) : undefined;
  const helper = (name: string, args: string[]): V1Container => ({
    name,
    image: input.helperImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['node', '/app/bin/run.js', 'build-transfer', ...args],
    env: [{ name: 'HOME', value: '/tmp' }],
    resources: helperResources,
    securityContext: restricted(true),
    volumeMounts: mounts,
  });
  const env = { CI: 'true', HOME: '/tmp', ...spec.env, OPUS_PROJECT: input.project, OPUS_VERSION: input.version, OPUS_COMMIT: input.commit };
  const build: V1Container = {
    name: 'build',
    image: spec.image,
    command: ['sh', '-c', spec.command],
    workingDir: SOURCE_DIR,
    // Secrets by reference: their values are in no field of the Job anyone who reads Jobs can see.
    env: buildEnv(env, input),
    // build.limits.disk: the kubelet evicts a pod past its volumes' sizeLimit or a container's ephemeral-storage.
    resources: { requests: { cpu: '250m', memory: String(Math.min(spec.memoryBytes, 512 * 1024 ** 2)) }, limits: { memory, cpu: String((spec.sandbox ?? DEFAULT_SANDBOX).cpus), ...(disk ? { 'ephemeral-storage': disk } : {}) } },
    securityContext: restricted(false),
    volumeMounts: mounts,
  };
  const meta = { labels: { ...labels('build'), 'opus.dev/project': input.project }, annotations: { 'opus.dev/project': input.project, 'opus.dev/version': input.version } };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, ...meta, ...ownedBy(input.owner) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
      ttlSecondsAfterFinished: 600,
      template: {
        // opus.dev/job finds the Job's pod without relying on the labels the Job controller adds.
        metadata: { ...meta, labels: { ...meta.labels, 'opus.dev/job': input.name } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [helper('fetch-source', ['get', input.sourceUrl, SOURCE_DIR]), build],
          containers: [helper('upload-output', ['put', `${SOURCE_DIR}/${spec.output}`, input.outputUrl])],
          volumes: [
            { name: 'workspace', emptyDir: disk ? { sizeLimit: disk } : {} },
            { name: 'tmp', emptyDir: disk ? { sizeLimit: disk } : {} },
          ],
        },
      },
    },
  };
}

/** Plain values, then the per-build Secret's keys, then the user's own Secrets: a secret wins over build.env of its name. */
function buildEnv(env: Record<string, string>, input: BuildJobInput): V1EnvVar[] {
  const fromSecrets = [...(input.secrets?.keys ?? []), ...Object.keys(input.secretKeys ?? {})];
  return [
    ...Object.entries(env).filter(([name]) => !fromSecrets.includes(name)).map(([name, value]): V1EnvVar => ({ name, value })),
    ...(input.secrets?.keys ?? []).map((key): V1EnvVar => ({ name: key, valueFrom: { secretKeyRef: { name: input.secrets?.name ?? '', key } } })),
    ...Object.entries(input.secretKeys ?? {}).map(([name, ref]): V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } })),
  ];
}

export type JobState = { done: false } | { done: true; ok: true } | { done: true; ok: false; reason: string };

/** Finished or not, from the Job's status (and its pod's, for why a build failed). */
export function jobState(job: V1Job | undefined, pod: V1Pod | undefined, spec: BuildSpec): JobState {
  const status = job?.status;
  if ((status?.succeeded ?? 0) > 0 || status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) return { done: true, ok: true };
  const failed = status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!failed && (status?.failed ?? 0) === 0) return { done: false };
  if (failed?.reason === 'DeadlineExceeded') return { done: true, ok: false, reason: `the build timed out after ${Math.round(spec.timeoutMs / 1000)}s: raise build.timeout or make the build faster` };
  return { done: true, ok: false, reason: podFailure(pod, spec) ?? `the build Job failed${failed?.message ? `: ${failed.message}` : ''}` };
}

function podFailure(pod: V1Pod | undefined, spec: BuildSpec): string | undefined {
  // The kubelet's own words name the volume or container and the limit ("Usage of EmptyDir volume "workspace" exceeds the limit "10Gi".").
  if (pod?.status?.reason === 'Evicted') return `the build pod was evicted: ${pod.status.message ?? 'by the kubelet'} (build.limits.disk is ${describeLimit('diskBytes', (spec.limits ?? DEFAULT_BUILD_LIMITS).diskBytes)}: raise it, or make the build write less)`;
  const statuses = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const ended = s.state?.terminated;
    if (!ended || ended.exitCode === 0) continue;
    if (ended.reason === 'OOMKilled') return `the build ran out of memory (limit ${Math.round(spec.memoryBytes / 1024 ** 2)} MiB): raise build.memory`;
    if (s.name === 'build') return `the build command exited with code ${ended.exitCode}: see the build log`;
    if (s.name === 'fetch-source') return `the build pod could not fetch the source (exit ${ended.exitCode}): can it reach the Opus server?`;
    if (s.name === 'upload-output') return `the build finished but its output could not be uploaded (exit ${ended.exitCode}): check build.output and that the pod can reach the Opus server`;
  }
  return undefined;
}

/** Image pulls that will never succeed end the build at once instead of waiting for the deadline. */
export function podStuck(pod: V1Pod | undefined): string | undefined {
  const statuses = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  // A Secret (build.secrets' kubernetesSecret) or key that is not there: the kubelet would wait for it until the deadline.
  const config = statuses.find((c) => c.state?.waiting?.reason === 'CreateContainerConfigError');
  if (config) return `the ${config.name} container cannot start: ${config.state?.waiting?.message ?? 'its configuration is refused'} (check the Secrets build.secrets names with kubernetesSecret, and their keys)`;
  const s = statuses.find((c) => c.state?.waiting?.reason && ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'].includes(c.state.waiting.reason));
  return s ? `the image ${s.image} cannot be pulled (${s.state?.waiting?.reason}): check build.image` : undefined;
}
