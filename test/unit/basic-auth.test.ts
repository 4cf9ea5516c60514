import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { readSecret } from '../../src/adapters/secrets/read-secret.js';
import { BasicAuth } from '../../src/server/site/basic-auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('wrong passwords never block the event loop, and a client that keeps failing waits longer each time', async () => {
  process.env.OPUS_UNIT_BASIC_HASH = bcrypt.hashSync('right', 11);
  // What one check costs when it runs on the event loop (the way it did before), measured now, under this machine's load.
  const syncStarted = performance.now();
  bcrypt.compareSync('wrong', process.env.OPUS_UNIT_BASIC_HASH);
  const syncMs = performance.now() - syncStarted;
  const auth = new BasicAuth(readSecret);
  const site = { username: 'team', passwordHash: { env: 'OPUS_UNIT_BASIC_HASH' } };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = Date.now();
  const guesses = await Promise.all(Array.from({ length: 6 }, (_, i) => auth.allows(site, basic('team', `wrong${i}`), 'attacker')));
  const elapsed = Date.now() - started;
  delay.disable();
  assert.deepEqual(guesses, [false, false, false, false, false, false]);
  assert.ok(delay.max / 1e6 < syncMs / 2, `the event loop stalled ${Math.round(delay.max / 1e6)} ms (one check on it: ${Math.round(syncMs)} ms)`);
  assert.ok(elapsed >= 1_000, `the sixth guess in a row waited a second first (all took ${elapsed} ms)`);
  // Another client is not slowed by the attacker, and a verified credential is remembered.
  const first = Date.now();
  assert.equal(await auth.allows(site, basic('team', 'right'), 'user'), true);
  const firstMs = Date.now() - first;
  const again = Date.now();
  for (let i = 0; i < 50; i++) assert.equal(await auth.allows(site, basic('team', 'right'), 'user'), true);
  assert.ok(Date.now() - again < firstMs, 'fifty more checks of a verified credential cost less than one bcrypt');
  assert.equal(await auth.allows(site, basic('other', 'right'), 'user'), false, 'the username counts');
  assert.equal(await auth.allows(undefined, undefined, 'anyone'), true, 'a public site');
  assert.equal(await auth.allows(site, undefined, 'anyone'), false);
});
