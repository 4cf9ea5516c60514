// The sync Lease under skewed clocks, a replica cut off from the API and a call that never answers,
// against the Kubernetes API stand-in, with real timers and short timings (duration 3 s, renew
// deadline 2 s, retry 0.4 s). Each replica has its own clock, shifted as a wrong NTP would shift it
// (wall and monotonic alike), and its own credentials so the stand-in can hang its calls.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { LeaseElector, type ElectorClock } from '../../src/adapters/k8s/lease-elector.js';
import { tempDir } from '../support/fixtures.js';
import { startKubeApiStandIn, type KubeApiStandIn } from '../support/kube-api-stand-in.js';

const TIMING = { durationSeconds: 3, renewDeadlineSeconds: 2, retrySeconds: 0.4 };
/** What a loaded machine may add to a bound: timers firing late and the calls themselves. */
const LATENCY_MS = 500;

const skewed = (offsetMs: number): ElectorClock => ({ monotonic: () => performance.now() + offsetMs, wall: () => Date.now() + offsetMs });

async function replicas(t: TestContext, skews: Record<string, number>) {
  const api = await startKubeApiStandIn(await tempDir(t));
  t.after(() => api.close());
  const electors: Record<string, LeaseElector> = {};
  for (const [name, skew] of Object.entries(skews)) {
    const kc = new KubeConfig();
    kc.loadFromFile(await api.kubeconfigAs(name));
    electors[name] = LeaseElector.fromConfig(kc, { namespace: 'opus', name: 'opus-sync', identity: name, ...TIMING }, skewed(skew));
  }
  t.after(() => Promise.all(Object.values(electors).map((e) => e.stop())));
  return { api, electors };
}

/** Samples every 10 ms until `until` holds (or the time is up); fails at the first moment two replicas lead. */
async function watch(electors: Record<string, LeaseElector>, ms: number, until: (leaders: string[]) => boolean = () => false): Promise<{ leaders: string[]; at: number }> {
  const started = performance.now();
  for (;;) {
    const leaders = Object.keys(electors).filter((name) => electors[name]?.isLeader());
    assert.ok(leaders.length <= 1, `two replicas lead at once: ${leaders.join(', ')}`);
    if (until(leaders) || performance.now() - started > ms) return { leaders, at: performance.now() - started };
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Cuts a replica off from the API (every call it makes hangs), as a dead node or a partition would. */
const cutOff = (api: KubeApiStandIn, name: string) => api.hang((req) => req.user === name);

test('clocks 30 s ahead and 60 s behind: never two leaders, and a new one within duration + retry period after the holder is gone', async (t) => {
  const { api, electors } = await replicas(t, { steady: 0, ahead: 30_000, behind: -60_000 });
  electors.steady?.start();
  assert.deepEqual((await watch(electors, 3_000, (l) => l.length === 1)).leaders, ['steady']);
  electors.ahead?.start();
  electors.behind?.start();
  assert.deepEqual((await watch(electors, 7_000)).leaders, ['steady'], 'the holder keeps the Lease through two durations, whatever the others’ clocks say');

  cutOff(api, 'steady');
  const gone = performance.now();
  const stepDown = await watch(electors, 5_000, (l) => !l.includes('steady'));
  assert.ok(stepDown.at <= TIMING.renewDeadlineSeconds * 1000 + LATENCY_MS, `the cut-off holder stepped down after ${Math.round(stepDown.at)} ms`);
  const takeover = await watch(electors, 10_000, (l) => l.length === 1);
  const after = performance.now() - gone;
  assert.equal(takeover.leaders.length, 1, 'someone took over');
  assert.ok(after <= (TIMING.durationSeconds + TIMING.retrySeconds) * 1000 + LATENCY_MS, `the takeover came ${Math.round(after)} ms after the holder was cut off`);
  assert.equal((api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { leaseTransitions: number }).leaseTransitions, 1);
  assert.equal(electors[takeover.leaders[0] ?? '']?.term(), 1, 'the new leader’s term is the new transition count');
  await watch(electors, 2_000);
});

test('a call that never answers does not stall the elector: the holder keeps leading, a follower keeps watching', async (t) => {
  const { api, electors } = await replicas(t, { a: 0, b: 0 });
  electors.a?.start();
  await watch(electors, 3_000, (l) => l.length === 1);
  electors.b?.start();
  await watch(electors, 1_000);
  // The next call of each replica hangs for good; later calls are answered.
  const hung = new Set<string>();
  const release = api.hang((req) => (req.user && !hung.has(req.user) ? (hung.add(req.user), true) : false));
  await watch(electors, 1_500, () => hung.size === 2);
  release();
  const before = api.requests.length;
  assert.deepEqual((await watch(electors, 3_000)).leaders, ['a'], 'the holder renewed past the hung call');
  const later = api.requests.slice(before);
  assert.ok(later.some((r) => r.user === 'a' && r.method === 'PUT') && later.some((r) => r.user === 'b' && r.method === 'GET'), 'both replicas went on calling the API');

  // A holder whose calls all hang steps down by its renew deadline; the other takes over.
  cutOff(api, 'a');
  const next = await watch(electors, (TIMING.durationSeconds + TIMING.retrySeconds) * 1000 + LATENCY_MS * 2, (l) => l[0] === 'b');
  assert.deepEqual(next.leaders, ['b']);
});
