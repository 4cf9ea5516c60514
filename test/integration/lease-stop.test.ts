// A replica that stops while its take of the sync Lease is still under way (a slow API server: the
// write lands after stop() was called) gives the Lease up all the same, so the next replica takes
// over at once instead of waiting out a Lease nobody renews. Against the Kubernetes API stand-in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaseElector } from '../../src/adapters/k8s/lease-elector.js';
import { tempDir } from '../support/fixtures.js';
import { startKubeApiStandIn } from '../support/kube-api-stand-in.js';

const TIMING = { durationSeconds: 3, renewDeadlineSeconds: 2, retrySeconds: 0.4 };

test('stop() during a take of the Lease that lands late: once stop() resolved, the Lease holds no one and another replica takes it at once', async (t) => {
  const api = await startKubeApiStandIn(await tempDir(t));
  t.after(() => api.close());
  const elector = async (name: string) => {
    const kc = new KubeConfig();
    kc.loadFromFile(await api.kubeconfigAs(name));
    return LeaseElector.fromConfig(kc, { namespace: 'opus', name: 'opus-sync', identity: name, ...TIMING });
  };
  const a = await elector('opus-a');
  // Its create of the Lease waits 300 ms in the API server, then is carried out.
  api.slow((req) => req.user === 'opus-a' && req.method === 'POST', 300);
  const written = new Promise<void>((resolve) => api.events.on('write', (verb: string) => void (verb === 'created' ? resolve() : undefined)));
  a.start();
  while (!api.requests.some((req) => req.user === 'opus-a' && req.method === 'POST')) await new Promise((resolve) => setTimeout(resolve, 5));
  await a.stop();
  await written;
  const lease = api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus');
  assert.equal((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, undefined, 'the stopped replica still holds the Lease');
  const b = await elector('opus-b');
  t.after(() => b.stop());
  assert.equal(await b.tryAcquire(), true, 'the next replica takes it at once');
});
