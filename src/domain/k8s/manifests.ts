// Everything `opus install` applies to a cluster, as plain objects: one server Deployment with its
// data volume, the least RBAC it needs, a Service and an optional Ingress. Pure: no cluster is
// read. The objects are typed with the client's models, so a misspelt field fails to compile
// (the client's serializer would otherwise drop it silently before it reaches the API).
import { networkPolicies } from './network-policies.js';
import { podDashboardHosts, sitesWildcard } from './sites-domain.js';
import type {
  KubernetesObject,
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1Ingress,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { disruptionBudget, DRAIN_SECONDS, ephemeralStorage, GRACE_SECONDS, TMP_SIZE, topologySpread } from './replica-spread.js';

export const APP_NAME = 'opus';
export const FIELD_MANAGER = 'opus';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'opus' } as const;
/** The selector of everything install made (Jobs and Leases made later by the server carry it too). */
export const MANAGED_SELECTOR = 'app.kubernetes.io/name=opus,app.kubernetes.io/managed-by=opus';
export const DATA_CLAIM = 'opus-data';
export const SERVER_PORT = 8080;
export const TRANSFER_PORT = 8081;
export const DATA_DIR = '/data';
export const SECRETS_DIR = '/etc/opus/secrets';
/** Keys of the Secret the server reads, all optional: the server starts without any of them. */
export const SECRET_KEYS = ['OPUS_WEBHOOK_SECRET', 'OPUS_API_TOKEN', 'GIT_USERNAME', 'GIT_PASSWORD'] as const;
/** With a shared S3 store: its credentials, from the same Secret (optional too: IRSA or a node role may provide them). */
export const S3_SECRET_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
/**
 * Set on a namespace only when `opus install` itself created it (never in --dry-run's manifests,
 * so `kubectl apply` of them cannot mark a namespace that existed): uninstall --delete-data deletes
 * a namespace only with it.
 */
export const CREATED_NAMESPACE_ANNOTATION = 'opus.dev/created-by';
/** The Lease that picks the one replica running the sync loop, when there is a shared store. */
export const SYNC_LEASE = 'opus-sync';

export interface InstallOptions {
  namespace: string;
  image: string;
  /** The config repo's git URL; without one the server makes an embedded config repo on its volume. */
  configRepo?: string;
  /** The Secret with OPUS_WEBHOOK_SECRET, OPUS_API_TOKEN, GIT_USERNAME/GIT_PASSWORD (need not exist). */
  secretName: string;
  /** The Opus server's own host name on the ingress: API, dashboard and push webhooks. */
  host?: string;
  /** The projects' domains, routed to Opus by the ingress. */
  domains: string[];
  /** Projects at <project>.<sitesDomain>, previews at <version>--<project>.<sitesDomain>: the ingress routes *.<sitesDomain>. */
  sitesDomain?: string;
  /** previews.domain of opus.yaml: the ingress routes *.<domain> to Opus too. */
  previewDomain?: string;
  ingressClass?: string;
  /** A TLS Secret for every ingress host; the public URL is then https. */
  tlsSecret?: string;
  storage: string;
  storageClass?: string;
  /** A Docker Engine the server builds with (e.g. tcp://docker.builds:2376); none is mounted. */
  dockerHost?: string;
  resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
  /**
   * A shared S3 artifact store (s3://bucket/prefix, with an endpoint for MinIO and the like): the
   * data volume is then an emptyDir (each pod's mirror, staging and logs), replicas roll, and the
   * Lease picks the replica that syncs.
   */
  store?: { url: string; endpoint?: string; region?: string };
  /** Server replicas; more than one needs `store` (default 1). */
  replicas?: number;
}

export const DEFAULT_RESOURCES: InstallOptions['resources'] = { cpuRequest: '100m', memoryRequest: '256Mi', cpuLimit: '2', memoryLimit: '1Gi' };

export function labels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/component': component, ...MANAGED_BY };
}

/** The ingress hosts, in a stable order: the server's own host first. */
export function ingressHosts(o: Pick<InstallOptions, 'host' | 'domains' | 'previewDomain' | 'sitesDomain'>): string[] {
  const hosts = [...(o.host ? [o.host] : []), ...[...o.domains].sort(), ...(o.sitesDomain ? [sitesWildcard(o.sitesDomain)] : []), ...(o.previewDomain ? [`*.${o.previewDomain}`] : [])];
  return [...new Set(hosts)];
}

export function publicUrl(o: Pick<InstallOptions, 'host' | 'tlsSecret'>): string | undefined {
  return o.host ? `${o.tlsSecret ? 'https' : 'http'}://${o.host}` : undefined;
}

/** In the order they are applied: the namespace first, the workload after what it refers to. */
export function installManifests(o: InstallOptions): KubernetesObject[] {
  const meta = (name: string, component = 'server') => ({ name, namespace: o.namespace, labels: labels(component) });
  // Only the name label: this manifest may be applied over a namespace someone else made (installer.ts adds the rest when it creates one).
  const namespace: V1Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: { 'app.kubernetes.io/name': APP_NAME } } };
  const account: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(APP_NAME) };
  const claim: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(DATA_CLAIM, 'data'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(APP_NAME),
    spec: { type: 'ClusterIP', selector: labels('server'), ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  // With a shared store nothing on the pod's disk outlives it: no claim.
  const objects: KubernetesObject[] = [namespace, account, ...rbac(o.namespace), ...networkPolicies(o.namespace, { server: SERVER_PORT, transfer: TRANSFER_PORT }, labels('server')), ...(o.store ? [] : [claim]), deployment(o), ...disruptionBudget(o, APP_NAME, labels('server')), service];
  const hosts = ingressHosts(o);
  if (hosts.length > 0) objects.push(ingress(o, hosts));
  return objects;
}

/**
 * The verbs the server's calls use, in its namespace only (adapters/k8s/: kubeJobsApi and
 * LeaseElector): a Job is created, read and deleted; pods are listed to find a Job's pod, and
 * their logs read; a build's secrets go into a Secret it creates and deletes (never reads); Leases
 * are read, created and replaced. No list or watch of Jobs, no reading Secrets, nothing cluster-wide.
 */
export function rbac(namespace: string): [V1Role, V1RoleBinding] {
  const metadata = { name: APP_NAME, namespace, labels: labels('server') };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata,
    rules: [
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ],
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: APP_NAME },
    subjects: [{ kind: 'ServiceAccount', name: APP_NAME, namespace }],
  };
  return [role, binding];
}

/**
 * git reads its config from the environment (GIT_CONFIG_COUNT…, git ≥ 2.31): a credential helper
 * that answers with GIT_USERNAME/GIT_PASSWORD when the Secret has them, so HTTPS sources and the
 * config repo need no credentials file on the image.
 */
export const GIT_CREDENTIAL_HELPER = '!f() { test "$1" = get && test -n "$GIT_PASSWORD" && echo "username=${GIT_USERNAME:-x-access-token}" && echo "password=$GIT_PASSWORD"; }; f';

function serverEnv(o: InstallOptions): V1EnvVar[] {
  const url = publicUrl(o);
  return [
    { name: 'OPUS_DATA_DIR', value: DATA_DIR },
    { name: 'PORT', value: String(SERVER_PORT) },
    { name: 'OPUS_HOST', value: '0.0.0.0' },
    { name: 'HOME', value: '/tmp' },
    { name: 'OPUS_DRAIN', value: `${DRAIN_SECONDS}s` },
    ...(o.configRepo ? [{ name: 'OPUS_CONFIG', value: o.configRepo }] : []),
    ...(url ? [{ name: 'OPUS_PUBLIC_URL', value: url }] : []),
    // The dashboard and API answer only on their own host (and loopback, for the CLI in the pod).
    ...(o.host ? [{ name: 'OPUS_DASHBOARD_HOST', value: podDashboardHosts(o.host).join(',') }] : []),
    ...(o.sitesDomain ? [{ name: 'OPUS_SITES_DOMAIN', value: o.sitesDomain }] : []),
    // Behind the Ingress: the API's URLs say https and the host the user asked for.
    ...(ingressHosts(o).length > 0 ? [{ name: 'OPUS_TRUST_PROXY', value: 'true' }] : []),
    ...(o.dockerHost ? [{ name: 'DOCKER_HOST', value: o.dockerHost }] : []),
    // For builds as Jobs (opus.yaml builds.runner: kubernetes): where the pod is, and the image whose CLI moves source and output.
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    // Build Jobs are owned by this pod, so they never outlive it.
    { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    { name: 'OPUS_IMAGE', value: o.image },
    { name: 'GIT_CONFIG_COUNT', value: '1' },
    { name: 'GIT_CONFIG_KEY_0', value: 'credential.helper' },
    { name: 'GIT_CONFIG_VALUE_0', value: GIT_CREDENTIAL_HELPER },
    ...(o.store
      ? [
          { name: 'OPUS_STORE', value: o.store.url },
          ...(o.store.endpoint ? [{ name: 'OPUS_S3_ENDPOINT', value: o.store.endpoint }] : []),
          ...(o.store.region ? [{ name: 'AWS_REGION', value: o.store.region }] : []),
          { name: 'OPUS_LEASE', value: SYNC_LEASE },
        ]
      : []),
    ...[...SECRET_KEYS, ...(o.store ? S3_SECRET_KEYS : [])].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: o.secretName, key, optional: true } } })),
  ];
}

function deployment(o: InstallOptions): V1Deployment {
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: 'http' }, periodSeconds, timeoutSeconds: 3, failureThreshold });
  const container: V1Container = {
    name: 'opus',
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'http', containerPort: SERVER_PORT, protocol: 'TCP' },
      // One-time source and output URLs of build Jobs, reached on the pod's IP (not through the Service).
      { name: 'transfer', containerPort: TRANSFER_PORT, protocol: 'TCP' },
    ],
    env: serverEnv(o),
    resources: { requests: { cpu: o.resources.cpuRequest, memory: o.resources.memoryRequest, ...ephemeralStorage(o).requests }, limits: { cpu: o.resources.cpuLimit, memory: o.resources.memoryLimit, ...ephemeralStorage(o).limits } },
    // Startup allows 5 minutes for the first fetch of a large config repo before liveness counts.
    startupProbe: probe('/healthz', 5, 60),
    livenessProbe: probe('/healthz', 10, 3),
    readinessProbe: probe('/readyz', 5, 3),
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true },
    ],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP_NAME, namespace: o.namespace, labels: labels('server') },
    spec: {
      // On a volume: one replica, as the volume is ReadWriteOnce and Recreate never runs two pods on it at once.
      // With a shared store: any number, rolled one new pod at a time, none taken out before its successor is ready.
      replicas: o.store ? (o.replicas ?? 1) : 1,
      strategy: o.store ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } : { type: 'Recreate' },
      selector: { matchLabels: labels('server') },
      template: {
        metadata: { labels: labels('server') },
        spec: {
          serviceAccountName: APP_NAME,
          // No OPUS_PORT=tcp://… and friends from the Service named "opus" leaking into OPUS_* settings.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: GRACE_SECONDS,
          ...(topologySpread(o, labels('server')).length ? { topologySpreadConstraints: topologySpread(o, labels('server')) } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
          volumes: [
            o.store ? { name: 'data', emptyDir: { sizeLimit: o.storage } } : { name: 'data', persistentVolumeClaim: { claimName: DATA_CLAIM } },
            { name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE } },
            // Other secrets the config repo refers to as { file: /etc/opus/secrets/<key> }.
            { name: 'secrets', secret: { secretName: o.secretName, optional: true, defaultMode: 0o440 } },
          ],
        },
      },
    },
  };
}

function ingress(o: InstallOptions, hosts: string[]): V1Ingress {
  const backend = { service: { name: APP_NAME, port: { name: 'http' } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: APP_NAME, namespace: o.namespace, labels: labels('server') },
    spec: {
      ...(o.ingressClass ? { ingressClassName: o.ingressClass } : {}),
      ...(o.tlsSecret ? { tls: [{ hosts, secretName: o.tlsSecret }] } : {}),
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
    },
  };
}
