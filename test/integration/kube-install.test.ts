// `opus install` and `opus uninstall` through the real CLI and @kubernetes/client-node, against a
// local stand-in for the Kubernetes API (test/support/kube-api-stand-in.ts): not a cluster, but
// the same REST calls, server-side apply included, over real HTTP on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import yaml from 'js-yaml';
import { gitSync, opus, tempDir, writeFiles } from '../support/fixtures.js';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kube-api-stand-in.js';
import { DEFAULT_RESOURCES, installManifests } from '../../src/domain/k8s/manifests.js';

interface Applied { kind: string; name: string; namespace?: string; outcome: string }

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const api = await startKubeApiStandIn(dir);
  t.after(() => api.close());
  const run = async (...args: string[]) => {
    const result = await opus(args, { env: { KUBECONFIG: api.kubeconfig } });
    assert.equal(result.code, 0, `opus ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    return result;
  };
  const install = async (...args: string[]) => (JSON.parse((await run('install', '--json', ...args)).stdout) as { results: Applied[] }).results;
  return { dir, api, run, install };
}

/** What the API stores: the client's models spell `from` as `_from`. */
const onTheWire = <T>(objects: T[]): T[] => JSON.parse(JSON.stringify(objects).replaceAll('"_from":', '"from":')) as T[];
const outcomes = (results: Applied[]) => Object.fromEntries(results.map((r) => [r.kind, r.outcome]));
const versions = (api: KubeApiStandIn) => ['v1/Namespace', 'v1/ServiceAccount', 'rbac.authorization.k8s.io/v1/Role', 'apps/v1/Deployment', 'v1/Service'].map((gvk) => {
  const at = gvk.lastIndexOf('/');
  return api.get(gvk.slice(0, at), gvk.slice(at + 1), gvk.endsWith('Namespace') ? 'opus' : 'opus', 'opus')?.metadata?.resourceVersion;
});

/** Every field of `expected` arrived (the client's serializer drops fields it does not know). */
function assertContains(actual: unknown, expected: unknown, path = ''): void {
  if (expected !== null && typeof expected === 'object') {
    assert.equal(typeof actual, 'object', `${path} is missing`);
    for (const [k, v] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[k], v, `${path}/${k}`);
  } else assert.equal(actual, expected, path);
}

test('install creates everything with server-side apply, and again changes nothing (Kubernetes API stand-in)', async (t) => {
  const { api, install, run } = await setup(t);
  const first = await install('--config-repo', 'https://git.example.com/acme/opus-config.git', '--host', 'opus.example.com', '--ingress-class', 'nginx');
  assert.deepEqual(first.map((r) => `${r.outcome} ${r.kind}`), ['created Namespace', 'created ServiceAccount', 'created Role', 'created RoleBinding', 'created NetworkPolicy', 'created NetworkPolicy', 'created PersistentVolumeClaim', 'created Deployment', 'created Service', 'created Ingress']);
  const patches = api.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 10);
  for (const p of patches) {
    assert.equal(p.contentType, 'application/apply-patch+yaml');
    assert.deepEqual({ fieldManager: p.query.fieldManager, force: p.query.force }, { fieldManager: 'opus', force: 'true' });
  }
  const expected = installManifests({ namespace: 'opus', image: 'ghcr.io/opus/opus:0.1.0', configRepo: 'https://git.example.com/acme/opus-config.git', host: 'opus.example.com', ingressClass: 'nginx', secretName: 'opus-secrets', domains: [], storage: '10Gi', resources: DEFAULT_RESOURCES });
  for (const obj of onTheWire(expected)) assertContains(api.get(obj.apiVersion ?? '', obj.kind ?? '', obj.metadata?.name ?? '', obj.metadata?.namespace), obj, `${obj.kind}`);

  const before = versions(api);
  const again = await install('--config-repo', 'https://git.example.com/acme/opus-config.git', '--host', 'opus.example.com', '--ingress-class', 'nginx');
  assert.deepEqual(new Set(again.map((r) => r.outcome)), new Set(['unchanged']));
  assert.deepEqual(versions(api), before, 'no resourceVersion moved');

  const human = await run('install', '--config-repo', 'https://git.example.com/acme/opus-config.git', '--host', 'opus.example.com', '--ingress-class', 'nginx');
  assert.match(human.stdout, /^unchanged\s+Deployment\s+opus\/opus$/m);
  assert.match(human.stdout, /kubectl -n opus port-forward svc\/opus 8080:80/);
  assert.match(human.stdout, /URL http:\/\/opus\.example\.com\/hooks\/github/);
  assert.match(human.stdout, /OPUS_WEBHOOK_SECRET of the Secret opus\/opus-secrets/);
});

test('install again configures only what changed, and drops what is no longer applied (Kubernetes API stand-in)', async (t) => {
  const { api, install } = await setup(t);
  await install('--domain', 'www.acme.com', '--domain', 'docs.acme.com');
  const changed = await install('--image', 'registry.local/opus:2', '--domain', 'www.acme.com');
  assert.deepEqual(outcomes(changed), { Namespace: 'unchanged', ServiceAccount: 'unchanged', Role: 'unchanged', RoleBinding: 'unchanged', NetworkPolicy: 'unchanged', PersistentVolumeClaim: 'unchanged', Deployment: 'configured', Service: 'unchanged', Ingress: 'configured' });
  const deployment = api.get('apps/v1', 'Deployment', 'opus', 'opus') as { spec: { template: { spec: { containers: { image: string }[] } } }; metadata: { generation: number } };
  assert.equal(deployment.spec.template.spec.containers[0]?.image, 'registry.local/opus:2');
  assert.equal(deployment.metadata.generation, 2);
  const ingress = api.get('networking.k8s.io/v1', 'Ingress', 'opus', 'opus') as { spec: { rules: { host: string }[] } };
  assert.deepEqual(ingress.spec.rules.map((r) => r.host), ['www.acme.com']);
  // A field applied before and not any more is removed, as server-side apply does for its own fields.
  const withTls = await install('--image', 'registry.local/opus:2', '--domain', 'www.acme.com', '--tls-secret', 'acme-tls');
  assert.equal(outcomes(withTls).Ingress, 'configured');
  await install('--image', 'registry.local/opus:2', '--domain', 'www.acme.com');
  assert.equal((api.get('networking.k8s.io/v1', 'Ingress', 'opus', 'opus') as { spec: { tls?: unknown } }).spec.tls, undefined);
});

test('uninstall deletes what install made and keeps the data unless --delete-data (Kubernetes API stand-in)', async (t) => {
  const { api, install, run } = await setup(t);
  await install('--host', 'opus.example.com');
  api.put({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'build-site-1-0-0', namespace: 'opus', labels: { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/managed-by': 'opus' } }, spec: {} });
  api.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'someone-else', namespace: 'opus' }, spec: {} });
  const kept = JSON.parse((await run('uninstall', '--json')).stdout) as { deleted: Applied[]; kept: Applied[] };
  assert.deepEqual(kept.deleted.map((r) => `${r.kind} ${r.name}`), ['Ingress opus', 'Service opus', 'Deployment opus', 'Job build-site-1-0-0', 'NetworkPolicy opus-builds', 'NetworkPolicy opus-server', 'RoleBinding opus', 'Role opus', 'ServiceAccount opus']);
  assert.deepEqual(kept.kept.map((r) => `${r.kind} ${r.name}`), ['PersistentVolumeClaim opus-data', 'Namespace opus']);
  assert.ok(api.get('v1', 'PersistentVolumeClaim', 'opus-data', 'opus'));
  assert.ok(api.get('v1', 'Service', 'someone-else', 'opus'), 'what Opus did not make stays');
  assert.equal(api.get('apps/v1', 'Deployment', 'opus', 'opus'), undefined);
  assert.ok(api.requests.some((r) => r.method === 'GET' && r.query.labelSelector === 'app.kubernetes.io/name=opus,app.kubernetes.io/managed-by=opus'), 'found by label');

  // Installed again, the server comes back to the same data.
  assert.equal(outcomes(await install('--host', 'opus.example.com')).PersistentVolumeClaim, 'unchanged');
  const gone = await run('uninstall', '--delete-data');
  assert.match(gone.stdout, /^deleted\s+PersistentVolumeClaim opus\/opus-data$/m);
  assert.match(gone.stdout, /^deleted\s+Namespace opus$/m);
  assert.equal(api.get('v1', 'Namespace', 'opus', ''), undefined);
  assert.match((await run('uninstall')).stdout, /nothing of Opus found in namespace opus/);
});

test('a namespace Opus did not make is used as it is and never deleted (Kubernetes API stand-in)', async (t) => {
  const { api, install, run } = await setup(t);
  api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { owner: 'platform' } } });
  const results = await install('--namespace', 'team');
  assert.deepEqual(results[0], { apiVersion: 'v1', kind: 'Namespace', name: 'team', outcome: 'existing' });
  assert.deepEqual(api.get('v1', 'Namespace', 'team')?.metadata?.labels, { owner: 'platform' }, 'not labelled as ours');
  const removed = JSON.parse((await run('uninstall', '-n', 'team', '--delete-data', '--json')).stdout) as { deleted: Applied[] };
  assert.ok(removed.deleted.some((r) => r.kind === 'PersistentVolumeClaim'));
  assert.ok(!removed.deleted.some((r) => r.kind === 'Namespace'));
  assert.ok(api.get('v1', 'Namespace', 'team'));
});

test('the --dry-run manifests applied with kubectl over a namespace with other workloads: uninstall --delete-data keeps the namespace (Kubernetes API stand-in)', async (t) => {
  const { dir, api, run } = await setup(t);
  api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared' } });
  api.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'billing', namespace: 'shared' }, spec: {} });
  const dry = await opus(['install', '--dry-run', '--namespace', 'shared'], { env: { KUBECONFIG: join(dir, 'missing') } });
  assert.equal(dry.code, 0, dry.stderr);
  // As `kubectl apply -f` does: each document merged over what exists (labels included).
  for (const doc of yaml.loadAll(dry.stdout) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } }[]) {
    const existing = api.get(doc.apiVersion, doc.kind, doc.metadata.name, doc.metadata.namespace);
    api.put({ ...existing, ...doc, metadata: { ...existing?.metadata, ...doc.metadata, labels: { ...existing?.metadata?.labels, ...doc.metadata.labels } } });
  }
  const removed = JSON.parse((await run('uninstall', '-n', 'shared', '--delete-data', '--json')).stdout) as { deleted: Applied[]; kept: Applied[] };
  assert.ok(removed.deleted.some((r) => r.kind === 'Deployment' && r.name === 'opus'));
  assert.ok(!removed.deleted.some((r) => r.kind === 'Namespace'), 'the namespace was not made by opus install');
  assert.ok(api.get('v1', 'Namespace', 'shared'));
  assert.ok(api.get('apps/v1', 'Deployment', 'billing', 'shared'), 'the other workload is untouched');
});

test('--config takes the Ingress hosts and the config repo from a working copy; --context and --dry-run (Kubernetes API stand-in)', async (t) => {
  const { dir, api, install } = await setup(t);
  const config = join(dir, 'config');
  assert.equal((await opus(['init', config])).code, 0);
  await writeFiles(config, {
    'opus.yaml': 'previews:\n  domain: preview.acme.com\n',
    'projects/site.yaml': 'source: https://git.example.com/acme/site.git\nbuild: { image: node:20, command: npm run build }\ndomains: [www.acme.com]\n',
    'projects/docs.yaml': 'source: https://git.example.com/acme/docs.git\nbuild: { image: node:20, command: npm run build }\ndomains: [docs.acme.com]\n',
  });
  gitSync(config, 'add', '--all');
  gitSync(config, 'commit', '--quiet', '-m', 'projects');
  gitSync(config, 'remote', 'add', 'origin', 'https://git.example.com/acme/opus-config.git');
  await install('--config', config, '--host', 'opus.acme.com', '--context', 'other');
  const ingress = api.get('networking.k8s.io/v1', 'Ingress', 'opus', 'opus') as { spec: { rules: { host: string }[] } };
  assert.deepEqual(ingress.spec.rules.map((r) => r.host), ['opus.acme.com', 'docs.acme.com', 'www.acme.com', '*.preview.acme.com']);
  const env = (api.get('apps/v1', 'Deployment', 'opus', 'opus') as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } }).spec.template.spec.containers[0]?.env ?? [];
  assert.equal(env.find((e) => e.name === 'OPUS_CONFIG')?.value, 'https://git.example.com/acme/opus-config.git');

  const unknown = await opus(['install', '--context', 'nope'], { env: { KUBECONFIG: api.kubeconfig } });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no kube-context named nope/);
  assert.match(unknown.stderr, /stand-in, other/);

  const requestsBefore = api.requests.length;
  const dry = await opus(['install', '--dry-run', '--config', config], { env: { KUBECONFIG: join(dir, 'missing') } });
  assert.equal(dry.code, 0, dry.stderr);
  const docs = yaml.loadAll(dry.stdout) as { kind: string }[];
  assert.deepEqual(docs.map((d) => d.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'NetworkPolicy', 'NetworkPolicy', 'PersistentVolumeClaim', 'Deployment', 'Service', 'Ingress']);
  assert.equal(api.requests.length, requestsBefore, 'a dry run calls no API');
});

test('the Deployment\'s git credential helper answers with the Secret\'s credentials (real git)', () => {
  const [deployment] = installManifests({ namespace: 'opus', image: 'x:1', secretName: 's', domains: [], storage: '1Gi', resources: DEFAULT_RESOURCES }).filter((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } }[];
  const env = Object.fromEntries((deployment?.spec.template.spec.containers[0]?.env ?? []).filter((e) => e.value !== undefined && e.name.startsWith('GIT_CONFIG')).map((e) => [e.name, e.value as string]));
  const fill = (secret: Record<string, string>) => spawnSync('git', ['credential', 'fill'], { input: 'protocol=https\nhost=git.example.com\n\n', encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_TERMINAL_PROMPT: '0', ...env, ...secret } });
  assert.match(fill({ GIT_PASSWORD: 'tok3n' }).stdout, /^username=x-access-token\npassword=tok3n$/m);
  assert.match(fill({ GIT_USERNAME: 'bot', GIT_PASSWORD: 'pw' }).stdout, /^username=bot\npassword=pw$/m);
  assert.notEqual(fill({}).status, 0, 'without a password git gets none (and does not prompt)');
});

test('--sites-domain routes *.<sites domain> to Opus and tells the server; a dashboard host inside it is refused before anything is applied (Kubernetes API stand-in)', async (t) => {
  const { api, install } = await setup(t);
  await install('--host', 'opus.example.com', '--sites-domain', 'sites.example.net', '--tls-secret', 'wildcard-tls');
  const ingress = api.get('networking.k8s.io/v1', 'Ingress', 'opus', 'opus') as { spec: { rules: { host: string }[]; tls: { hosts: string[] }[] } };
  assert.deepEqual(ingress.spec.rules.map((r) => r.host), ['opus.example.com', '*.sites.example.net']);
  assert.deepEqual(ingress.spec.tls[0]?.hosts, ['opus.example.com', '*.sites.example.net']);
  const deployment = api.get('apps/v1', 'Deployment', 'opus', 'opus') as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  const env = Object.fromEntries((deployment.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.OPUS_SITES_DOMAIN, 'sites.example.net');
  assert.equal(env.OPUS_DASHBOARD_HOST, 'opus.example.com,localhost,127.0.0.1');

  const refused = await opus(['install', '--host', 'opus.example.com', '--sites-domain', 'example.com'], { env: { KUBECONFIG: api.kubeconfig } });
  assert.equal(refused.code, 2, refused.stderr + refused.stdout);
  assert.match(refused.stderr + refused.stdout, /--host opus\.example\.com is under --sites-domain example\.com/);
  const after = api.get('networking.k8s.io/v1', 'Ingress', 'opus', 'opus') as { spec: { rules: { host: string }[] } };
  assert.deepEqual(after.spec.rules.map((r) => r.host), ['opus.example.com', '*.sites.example.net'], 'a refused install changed the Ingress');
});
