// The server as it runs in a cluster: builds.runner: kubernetes in opus.yaml sends builds to Jobs,
// and with OPUS_LEASE only the replica that holds the Lease runs the sync loop. Against the
// Kubernetes API stand-in and its kubelet stand-in (containers as local processes); two servers
// in this process play two replicas.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { kubernetesFromEnv } from '../../src/runtime/kubernetes.js';
import { startServer, type RunningServer } from '../../src/runtime/start-server.js';
import { createLogger } from '../../src/services/logger.js';
import { eventually, gitSync, makeSourceRepo, tempDir, writeFiles } from '../support/fixtures.js';
import { startKubeApiStandIn } from '../support/kube-api-stand-in.js';
import { startKubeletStandIn } from '../support/kubelet-stand-in.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';
import { freePort } from '../support/free-port.js';

const TOKEN = 'kube-server-test-token';

test('builds run as Jobs and one replica at a time runs the sync loop, by the Lease (Kubernetes API stand-in)', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const api = await startKubeApiStandIn(dir);
  const kubelet = startKubeletStandIn(api, join(dir, 'pods'));
  t.after(async () => {
    kubelet.stop();
    await api.close();
  });
  const source = await makeSourceRepo(join(dir, 'site'), { '1.0.0': { 'public/index.html': '<h1>built in a Job</h1>' } });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, {
    'opus.yaml': 'builds:\n  runner: kubernetes\nsync:\n  interval: 1h\n',
    'projects/site.yaml': `source: ${JSON.stringify(source)}\ndeploy: 1.0.0\nbuild:\n  image: node:20\n  command: mkdir -p dist && cp -r public/. dist/\n`,
  });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');

  const logs: string[] = [];
  const replica = async (name: string): Promise<RunningServer> => {
    const logger = createLogger('json', (line) => void logs.push(`${name} ${line}`));
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const env = { POD_NAMESPACE: 'opus', POD_NAME: name, POD_IP: '127.0.0.1', OPUS_IMAGE: 'ghcr.io/opus/opus:test', OPUS_TRANSFER_HOST: '127.0.0.1', OPUS_TRANSFER_PORT: '0', OPUS_LEASE: 'opus-sync' };
    // A fixed port, as in a pod: the leader writes its URL on the Lease for the others.
    const port = await freePort();
    const kubernetes = await kubernetesFromEnv(env, logger, port, kc);
    assert.ok(kubernetes?.leader);
    return startServer({ dataDir: join(dir, name), config: configDir, port, host: '127.0.0.1', syncIntervalMs: 3_600_000, logger, kubernetes, apiToken: TOKEN });
  };
  const a = await replica('opus-0');
  let aClosed = false;
  t.after(() => (aClosed ? undefined : a.close()));
  const page = (server: RunningServer) => localFetch(`${siteOrigin(server.url, 'site')}/`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
  assert.equal(await eventually(() => page(a), 60_000, 'the site built in a Job'), '<h1>built in a Job</h1>');
  assert.equal(kubelet.jobs.length, 1);
  assert.equal(kubelet.jobs[0]?.spec.template.spec.initContainers?.[1]?.image, 'node:20');
  assert.equal((api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { holderIdentity?: string }).holderIdentity, 'opus-0');

  const b = await replica('opus-1');
  t.after(() => b.close());
  const ready = (server: RunningServer) => fetch(`${server.url}/readyz`).then((r) => r.status);
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(await ready(b), 503, 'the second replica does not sync while the first holds the Lease');
  assert.equal(kubelet.jobs.length, 1);
  // The API on the replica that does not lead answers from the leader: the same desired state, and changes go there.
  const projects = (await (await fetch(`${b.url}/api/v1/projects`)).json()) as { projects: { name: string; desired?: string; live?: string }[] };
  assert.deepEqual(projects.projects.map(({ name, desired, live }) => ({ name, desired, live })), [{ name: 'site', desired: '1.0.0', live: '1.0.0' }]);
  assert.equal(b.sync.desiredState, undefined, 'the second replica itself never read the config repo');
  assert.equal((await fetch(`${b.url}/api/v1/sync`, { method: 'POST' })).status, 401, 'changes need the token through another replica too');
  const synced = await fetch(`${b.url}/api/v1/sync`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(synced.status, 200, await synced.text());
  assert.equal(b.sync.desiredState, undefined, 'the sync ran on the leader');
  assert.equal(kubelet.jobs.length, 1, 'nothing rebuilt');

  await a.close(); // gives the Lease up
  aClosed = true;
  assert.equal(await eventually(() => page(b), 60_000, 'the second replica took over'), '<h1>built in a Job</h1>');
  assert.equal(await ready(b), 200);
  assert.equal((api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { holderIdentity?: string }).holderIdentity, 'opus-1');
  assert.ok(logs.some((l) => l.startsWith('opus-1') && l.includes('this replica leads')));
});

