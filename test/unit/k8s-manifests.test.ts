// The manifests of `opus install`, checked against the Kubernetes OpenAPI schemas (kubernetes-models
// validates with schemas generated from the official OpenAPI) and against what an operator checks
// before letting a workload into a cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject, V1Deployment, V1Ingress, V1PodSpec, V1Role } from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import yaml from 'js-yaml';
import { applyOutcome, installNotes, isRemoteRepo, toYamlDocuments, uninstallPlan } from '../../src/domain/k8s/install-plan.js';
import { DEFAULT_RESOURCES, installManifests, type InstallOptions } from '../../src/domain/k8s/manifests.js';
import { sitesDomainProblem } from '../../src/domain/k8s/sites-domain.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace, ServiceAccount, Role, RoleBinding, NetworkPolicy, PersistentVolumeClaim, Deployment, Service, Ingress, PodDisruptionBudget,
};

/** What kubectl and the API get: the client's models spell `from` as `_from`. */
const onTheWire = (objects: KubernetesObject[]) => JSON.parse(JSON.stringify(objects).replaceAll('"_from":', '"from":')) as KubernetesObject[];

const base: InstallOptions = { namespace: 'opus', image: 'ghcr.io/opus/opus:0.1.0', secretName: 'opus-secrets', domains: [], storage: '10Gi', resources: DEFAULT_RESOURCES };
const full: InstallOptions = {
  ...base,
  configRepo: 'https://git.example.com/acme/opus-config.git',
  host: 'opus.example.com',
  domains: ['www.acme.com', 'docs.acme.com'],
  previewDomain: 'preview.acme.com',
  ingressClass: 'nginx',
  tlsSecret: 'opus-tls',
  storageClass: 'fast',
  dockerHost: 'tcp://dind.builds:2375',
};

const find = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string) => objects.find((o) => o.kind === kind) as T;
const podSpec = (objects: KubernetesObject[]) => find<V1Deployment>(objects, 'Deployment').spec?.template.spec as V1PodSpec;

for (const [name, options] of [['minimal', base], ['every option', full], ['a sites domain', { ...full, sitesDomain: 'sites.acme.net' }]] as const) {
  test(`every manifest validates against the Kubernetes OpenAPI schema (${name})`, () => {
    const objects = installManifests(options);
    assert.deepEqual(objects.map((o) => o.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'NetworkPolicy', 'NetworkPolicy', 'PersistentVolumeClaim', 'Deployment', 'Service', ...(options.host ? ['Ingress'] : [])]);
    for (const obj of onTheWire(objects)) {
      const Model = MODELS[obj.kind ?? ''];
      assert.ok(Model, `no schema for ${obj.kind}`);
      assert.doesNotThrow(() => new Model(structuredClone(obj) as never).validate(), `${obj.kind} is invalid`);
      // The namespace may be one that exists: only opus install, when it creates one, marks it as Opus's (installer.ts).
      const mark = obj.kind === 'Namespace' ? { 'app.kubernetes.io/name': 'opus' } : { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/managed-by': 'opus' };
      assert.deepEqual({ ...obj.metadata?.labels }, { ...obj.metadata?.labels, ...mark });
      if (obj.kind !== 'Namespace') assert.equal(obj.metadata?.namespace, 'opus');
    }
    assert.equal(objects.find((o) => o.kind === 'Namespace')?.metadata?.labels?.['app.kubernetes.io/managed-by'], undefined);
    // The dry-run YAML is the same objects, as the API spells them.
    assert.deepEqual(toYamlDocuments(objects).split(/^---$/m).map((doc) => yaml.load(doc)), onTheWire(objects));
  });
}

test('the schema check does catch a broken manifest', () => {
  const deployment = structuredClone(find<V1Deployment>(installManifests(base), 'Deployment')) as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
  (deployment.spec.template.spec.containers[0] as { ports: { containerPort: unknown }[] }).ports[0] = { containerPort: 'http' };
  assert.throws(() => new Deployment(deployment as never).validate(), /containerPort must be integer/);
});

test('the pod runs as non-root with a read-only root, no privileges, no host access', () => {
  const spec = podSpec(installManifests(full));
  assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  assert.equal(spec.hostNetwork ?? false, false);
  assert.equal(spec.hostPID ?? false, false);
  assert.equal(spec.hostIPC ?? false, false);
  assert.equal(spec.enableServiceLinks, false, 'no OPUS_PORT=tcp://… from the Service named opus');
  for (const volume of spec.volumes ?? []) assert.equal(volume.hostPath, undefined, `${volume.name} is a hostPath`);
  assert.ok(!JSON.stringify(spec).includes('docker.sock'), 'no Docker socket is mounted');
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.cpu && c.resources.limits.memory, 'requests and limits');
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.ok(c.image && !c.image.endsWith(':latest'), 'a pinned image');
    // A read-only root needs somewhere to write: /tmp and /data are volumes.
    assert.deepEqual(c.volumeMounts?.map((m) => m.mountPath).sort(), ['/data', '/etc/opus/secrets', '/tmp']);
  }
});

test('secrets come from the Secret by reference, every key optional, never as values', () => {
  const spec = podSpec(installManifests(full));
  const env = spec.containers[0]?.env ?? [];
  const fromSecret = env.filter((e) => e.valueFrom?.secretKeyRef);
  assert.deepEqual(fromSecret.map((e) => e.name), ['OPUS_WEBHOOK_SECRET', 'OPUS_API_TOKEN', 'GIT_USERNAME', 'GIT_PASSWORD']);
  for (const e of fromSecret) assert.deepEqual(e.valueFrom?.secretKeyRef, { name: 'opus-secrets', key: e.name, optional: true });
  assert.deepEqual(spec.volumes?.find((v) => v.name === 'secrets')?.secret, { secretName: 'opus-secrets', optional: true, defaultMode: 0o440 });
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  assert.equal(value('OPUS_CONFIG'), full.configRepo);
  assert.equal(value('OPUS_PUBLIC_URL'), 'https://opus.example.com');
  assert.equal(value('DOCKER_HOST'), 'tcp://dind.builds:2375');
  assert.equal(value('OPUS_DATA_DIR'), '/data');
});

test('RBAC is one namespaced Role with only the verbs the Job runner and the Lease call', () => {
  const objects = installManifests(full);
  assert.equal(objects.some((o) => o.kind?.startsWith('Cluster')), false, 'nothing cluster-wide');
  const role = find<V1Role>(objects, 'Role');
  const rules = (role.rules ?? []).map((r) => `${r.apiGroups?.join(',')}:${r.resources?.join(',')}:${r.verbs.join(',')}`);
  assert.deepEqual(rules, [
    'batch:jobs:get,create,delete',
    ':pods:list',
    ':pods/log:get',
    ':secrets:create,delete',
    'coordination.k8s.io:leases:get,create,update',
  ]);
  for (const r of role.rules ?? []) {
    assert.ok(!r.verbs.includes('*') && !r.resources?.includes('*') && !r.apiGroups?.includes('*'), 'no wildcards');
    assert.ok(!r.resources?.some((x) => ['roles', 'rolebindings', 'pods/exec'].includes(x)), 'no RBAC, no exec');
    // A build's secrets go into a Secret the server makes and deletes: it can never read one.
    if (r.resources?.includes('secrets')) assert.deepEqual(r.verbs, ['create', 'delete']);
  }
  const binding = objects.find((o) => o.kind === 'RoleBinding') as { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'opus' });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'opus', namespace: 'opus' }]);
  assert.equal(podSpec(objects).serviceAccountName, 'opus');
});

test('the Ingress routes the server host, the project domains and the preview wildcard to the Service', () => {
  const ingress = find<V1Ingress>(installManifests(full), 'Ingress');
  const hosts = ['opus.example.com', 'docs.acme.com', 'www.acme.com', '*.preview.acme.com'];
  assert.deepEqual(ingress.spec?.rules?.map((r) => r.host), hosts);
  assert.equal(ingress.spec?.ingressClassName, 'nginx');
  assert.deepEqual(ingress.spec?.tls, [{ hosts, secretName: 'opus-tls' }]);
  for (const rule of ingress.spec?.rules ?? []) assert.deepEqual(rule.http?.paths, [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'opus', port: { name: 'http' } } } }]);
  assert.equal(installManifests({ ...base, domains: ['www.acme.com'] }).at(-1)?.kind, 'Ingress', 'domains alone make an Ingress');
  const trustsProxy = (options: InstallOptions) => podSpec(installManifests(options)).containers[0]?.env?.some((e) => e.name === 'OPUS_TRUST_PROXY' && e.value === 'true');
  assert.equal(trustsProxy(full), true, 'behind the Ingress the server builds its URLs from X-Forwarded-Proto/-Host');
  assert.equal(trustsProxy(base), false, 'without an Ingress nothing is trusted');
});

test('the data volume survives a rollout: one replica, Recreate, a ReadWriteOnce claim', () => {
  const objects = installManifests(full);
  const deployment = find<V1Deployment>(objects, 'Deployment');
  assert.equal(deployment.spec?.replicas, 1);
  assert.equal(deployment.spec?.strategy?.type, 'Recreate');
  assert.deepEqual(find<{ spec: unknown } & KubernetesObject>(objects, 'PersistentVolumeClaim').spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'fast' });
});

test('apply outcomes and the uninstall plan', () => {
  assert.equal(applyOutcome(undefined, '5'), 'created');
  assert.equal(applyOutcome('5', '5'), 'unchanged');
  assert.equal(applyOutcome('5', '6'), 'configured');
  const ref = (kind: string, name = 'opus', apiVersion = 'v1') => ({ apiVersion, kind, name, namespace: 'opus' });
  const found = [ref('PersistentVolumeClaim', 'opus-data'), ref('ServiceAccount'), ref('Deployment', 'opus', 'apps/v1'), ref('Job', 'b-2', 'batch/v1'), ref('Job', 'b-1', 'batch/v1')];
  const ns = { apiVersion: 'v1', kind: 'Namespace', name: 'opus' };
  const keep = uninstallPlan(found, ns, false);
  assert.deepEqual(keep.delete.map((r) => `${r.kind} ${r.name}`), ['Deployment opus', 'Job b-1', 'Job b-2', 'ServiceAccount opus']);
  assert.deepEqual(keep.keep.map((r) => r.kind), ['PersistentVolumeClaim', 'Namespace']);
  const all = uninstallPlan(found, ns, true);
  assert.deepEqual(all.delete.map((r) => r.kind).slice(-2), ['PersistentVolumeClaim', 'Namespace']);
  assert.deepEqual(uninstallPlan(found, undefined, true).delete.map((r) => r.kind).at(-1), 'PersistentVolumeClaim', 'a namespace Opus did not make is never deleted');
});

test('the notes say how to reach the server and where the webhook secret lives', () => {
  const withHost = installNotes(full, 'prod').join('\n');
  assert.match(withHost, /kubectl -n opus port-forward svc\/opus 8080:80/);
  assert.match(withHost, /URL https:\/\/opus\.example\.com\/hooks\/github/);
  assert.match(withHost, /OPUS_WEBHOOK_SECRET of the Secret opus\/opus-secrets/);
  const bare = installNotes(base, 'kind-dev').join('\n');
  assert.match(bare, /give --host for an Ingress/);
  assert.match(bare, /No --config-repo/);
  assert.equal(isRemoteRepo('https://github.com/acme/c.git'), true);
  assert.equal(isRemoteRepo('git@github.com:acme/c.git'), true);
  assert.equal(isRemoteRepo('/home/me/config'), false);
  assert.equal(isRemoteRepo('file:///home/me/config'), false);
});

test('with a shared S3 store: N replicas rolled one at a time, an emptyDir instead of the claim, the Lease and the store in the environment', () => {
  const options: InstallOptions = { ...full, store: { url: 's3://opus-artifacts/prod', endpoint: 'http://minio.storage:9000', region: 'eu-west-1' }, replicas: 3 };
  const objects = installManifests(options);
  assert.deepEqual(objects.map((o) => o.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'NetworkPolicy', 'NetworkPolicy', 'Deployment', 'PodDisruptionBudget', 'Service', 'Ingress']);
  for (const obj of objects) assert.doesNotThrow(() => new (MODELS[obj.kind ?? ''] as new (data: never) => { validate(): void })(structuredClone(obj) as never).validate(), `${obj.kind} is invalid`);
  const deployment = find<V1Deployment>(objects, 'Deployment');
  assert.equal(deployment.spec?.replicas, 3);
  assert.deepEqual(deployment.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  const spec = podSpec(objects);
  assert.deepEqual(spec.volumes?.find((v) => v.name === 'data'), { name: 'data', emptyDir: { sizeLimit: '10Gi' } });
  const env = spec.containers[0]?.env ?? [];
  const value = (name: string) => env.find((e) => e.name === name)?.value;
  assert.equal(value('OPUS_STORE'), 's3://opus-artifacts/prod');
  assert.equal(value('OPUS_S3_ENDPOINT'), 'http://minio.storage:9000');
  assert.equal(value('AWS_REGION'), 'eu-west-1');
  assert.equal(value('OPUS_LEASE'), 'opus-sync');
  assert.deepEqual(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name), ['OPUS_WEBHOOK_SECRET', 'OPUS_API_TOKEN', 'GIT_USERNAME', 'GIT_PASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  assert.match(installNotes(options, 'prod').join('\n'), /3 replica\(s\) serve from their own mirror; the one holding the Lease opus\/opus-sync syncs/);
  // Replicas are kept apart and disrupted one at a time; the mirror's disk is requested, not just capped.
  assert.deepEqual(find<{ spec: unknown } & KubernetesObject>(objects, 'PodDisruptionBudget').spec, { maxUnavailable: 1, selector: { matchLabels: deployment.spec?.selector.matchLabels } });
  assert.deepEqual(spec.topologySpreadConstraints?.map((c) => c.topologyKey), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  const resources = spec.containers[0]?.resources;
  assert.equal(resources?.requests?.['ephemeral-storage'], `${10 * 1024 + 4 * 1024}Mi`, 'the mirror (--storage) and /tmp');
  assert.equal(resources?.limits?.['ephemeral-storage'], `${10 * 1024 + 4 * 1024 + 512}Mi`);
  // SIGTERM: readiness fails and requests drain before the grace period's SIGKILL.
  assert.equal(value('OPUS_DRAIN'), '5s');
  assert.ok((spec.terminationGracePeriodSeconds ?? 0) > 5 + 5, 'the grace period covers the drain and the requests in flight');
  // One replica (or none shared): no budget (it would block node drains forever) and no spread.
  assert.equal(installManifests({ ...options, replicas: 1 }).some((o) => o.kind === 'PodDisruptionBudget'), false);
  assert.equal(podSpec(installManifests(full)).topologySpreadConstraints, undefined);
  assert.equal(podSpec(installManifests(full)).containers[0]?.resources?.requests?.['ephemeral-storage'], '4096Mi', 'on a claim only /tmp is the pod\'s own disk');
  // Without a store nothing changes: one replica on the claim.
  assert.equal(podSpec(installManifests(full)).containers[0]?.env?.some((e) => e.name === 'OPUS_STORE' || e.name === 'OPUS_LEASE'), false);
});

test('build pods may reach DNS, the internet and the transfer port, but no cloud metadata, private range or other pod', () => {
  const policies = onTheWire(installManifests(base)).filter((o) => o.kind === 'NetworkPolicy') as unknown as { metadata: { name: string }; spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: { from?: unknown[]; ports?: { port: number }[] }[]; egress?: { to?: { ipBlock?: { cidr: string; except?: string[] }; podSelector?: { matchLabels: Record<string, string> } }[]; ports?: { protocol: string; port: number }[] }[] } }[];
  const builds = policies.find((p) => p.metadata.name === 'opus-builds');
  assert.deepEqual(builds?.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/component': 'build' });
  assert.deepEqual(builds?.spec.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(builds?.spec.ingress, [], 'nothing reaches into a build pod');
  const egress = builds?.spec.egress ?? [];
  assert.deepEqual(egress[0]?.ports?.map((p) => `${p.protocol}/${p.port}`), ['UDP/53', 'TCP/53']);
  assert.deepEqual(egress[1], { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/component': 'server' } } }], ports: [{ protocol: 'TCP', port: 8081 }] });
  const v4 = egress[2]?.to?.find((t) => t.ipBlock?.cidr === '0.0.0.0/0')?.ipBlock?.except ?? [];
  for (const range of ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) assert.ok(v4.includes(range), `no ${range}`);
  assert.ok(egress[2]?.to?.find((t) => t.ipBlock?.cidr === '::/0')?.ipBlock?.except?.includes('fc00::/7'), 'no IPv6 unique-local (AWS metadata fd00:ec2::254)');
  assert.equal(egress.length, 3, 'nothing else');
  const server = policies.find((p) => p.metadata.name === 'opus-server');
  assert.deepEqual(server?.spec.policyTypes, ['Ingress']);
  assert.deepEqual(server?.spec.ingress?.[1], { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/component': 'build' } } }], ports: [{ protocol: 'TCP', port: 8081 }] }, 'the transfer port only from build pods');
  assert.deepEqual(server?.spec.ingress?.[0], { ports: [{ protocol: 'TCP', port: 8080 }] });
});

test('the server pod knows its own UID, so its build Jobs can be its dependents', () => {
  const env = podSpec(installManifests(base)).containers[0]?.env ?? [];
  assert.deepEqual(env.find((e) => e.name === 'POD_UID')?.valueFrom, { fieldRef: { fieldPath: 'metadata.uid' } });
});

test('a sites domain: the Ingress routes *.<sites domain> beside the dashboard host, the server is told both, the policies stay the same', () => {
  const withSites: InstallOptions = { ...full, sitesDomain: 'sites.acme.net' };
  const objects = installManifests(withSites);
  const ingress = find<V1Ingress>(objects, 'Ingress');
  const hosts = ['opus.example.com', 'docs.acme.com', 'www.acme.com', '*.sites.acme.net', '*.preview.acme.com'];
  assert.deepEqual(ingress.spec?.rules?.map((r) => r.host), hosts);
  assert.deepEqual(ingress.spec?.tls, [{ hosts, secretName: 'opus-tls' }], 'the TLS Secret must cover the wildcard too');
  const env = Object.fromEntries((podSpec(objects).containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.OPUS_SITES_DOMAIN, 'sites.acme.net');
  assert.equal(env.OPUS_DASHBOARD_HOST, 'opus.example.com,localhost,127.0.0.1');
  assert.equal(env.OPUS_TRUST_PROXY, 'true');
  const policies = (list: KubernetesObject[]) => JSON.stringify(list.filter((o) => o.kind === 'NetworkPolicy'));
  assert.equal(policies(objects), policies(installManifests(full)), 'the NetworkPolicies do not depend on the sites domain');
  assert.equal(find<V1Deployment>(installManifests(full), 'Deployment').spec?.template.spec?.containers[0]?.env?.some((e) => e.name === 'OPUS_SITES_DOMAIN'), false, 'no sites domain: the server keeps its default');
});

test('a sites domain that would put the dashboard among the sites, or is no domain, is refused with what to give instead', () => {
  assert.equal(sitesDomainProblem('sites.acme.net', 'opus.example.com'), undefined);
  assert.match(sitesDomainProblem('example.com', 'opus.example.com') ?? '', /--host opus\.example\.com is under --sites-domain example\.com/);
  assert.match(sitesDomainProblem('opus.example.com', 'opus.example.com') ?? '', /both opus\.example\.com/);
  for (const bad of ['*.sites.acme.net', 'https://sites.acme.net', 'Sites.Acme.Net', 'sites.acme.net:443', 'localhost']) assert.match(sitesDomainProblem(bad, 'opus.example.com') ?? '', /is not a domain name/, bad);
});
