// The sync Lease across real processes whose clocks disagree: each `opus server` runs with
// libfaketime preloaded (its wall clock stepped as a wrong NTP steps a node's), one 60 s behind and
// one 30 s ahead of the Kubernetes API stand-in and of each other. Judged by the holder's
// renewTime on its own clock, the one ahead would take a live Lease at once (two leaders) and the one
// behind would wait ~90 s for a dead holder's Lease (no leader); judged as client-go does (from when
// it saw the record change, on its monotonic clock) neither happens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containersOf } from '../support/build-server.js';
import { eventually } from '../support/fixtures.js';
import { deploy, holder, serves, SLACK_MS, startReplica, startWorld, type Replica } from '../support/lease-replicas.js';

/** OPUS_LEASE_DURATION=3 with a retry period of 0.4 s: a follower takes a dead holder's Lease this long after its last renew, at most. */
const TAKEOVER_MS = 3_000 + 400 + SLACK_MS;

const killed = (r: Replica) => new Promise<void>((resolve) => {
  r.child.once('exit', () => resolve());
  r.child.kill('SIGKILL');
});

test('clocks 60 s behind and 30 s ahead, whole processes: one leader at a time, and a killed leader\'s Lease moves within duration + retry, its deploy landing', { timeout: 180_000 }, async (t) => {
  const world = await startWorld(t);
  const { api, project } = world;
  const behind = await startReplica(t, 'opus-0', world, [], '-60s');
  await eventually(() => (holder(api)?.holderIdentity === 'opus-0' ? true : undefined), 10_000, `opus-0 to lead: ${behind.log.join('').slice(-1500)}`);
  const ahead = await startReplica(t, 'opus-1', world, [], '+30s');
  await serves(ahead, project, 'v1\n');
  // Longer than a Lease duration: the follower 90 s ahead of the holder's renewTime leaves the Lease alone.
  const transitions = holder(api)?.leaseTransitions;
  const watched = Date.now();
  while (Date.now() - watched < 5_000) {
    assert.equal(holder(api)?.holderIdentity, 'opus-0', 'the follower whose clock is ahead took a live Lease');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(holder(api)?.leaseTransitions, transitions);

  // The holder dies mid-build; the follower takes over in bounded time and finishes the deploy.
  await deploy(world, '2.0.0');
  await eventually(async () => ((await containersOf(project, true)).some((c) => c.Labels['dev.opus.version'] === '2.0.0') ? true : undefined), 60_000, `opus-0 to build 2.0.0: ${behind.log.join('').slice(-1500)}`);
  await killed(behind);
  const diedAt = Date.now();
  await eventually(() => (holder(api)?.holderIdentity === 'opus-1' ? true : undefined), TAKEOVER_MS + 1_000, 'opus-1 (30 s ahead) to take the dead holder\'s Lease');
  const firstTakeover = Date.now() - diedAt;
  await serves(ahead, project, 'v2\n');

  // And the other way round: a follower 90 s behind the holder's clock, once the holder dies.
  const late = await startReplica(t, 'opus-2', world, [], '-60s');
  await serves(late, project, 'v2\n');
  await killed(ahead);
  const aheadDiedAt = Date.now();
  await eventually(() => (holder(api)?.holderIdentity === 'opus-2' ? true : undefined), TAKEOVER_MS + 1_000, 'opus-2 (60 s behind) to take the dead holder\'s Lease');
  const secondTakeover = Date.now() - aheadDiedAt;
  t.diagnostic(`takeovers ${firstTakeover} ms (follower 90 s ahead of the holder) and ${secondTakeover} ms (follower 90 s behind); bound ${TAKEOVER_MS} ms`);
  assert.ok(firstTakeover <= TAKEOVER_MS && secondTakeover <= TAKEOVER_MS, `takeovers ${firstTakeover} and ${secondTakeover} ms`);
  await serves(late, project, 'v2\n');
});
