// Outgoing hooks end to end: a real server (startServer) syncing a real git config repo whose
// opus.yaml has a hook, a real receiver on 127.0.0.1, and the real CLI listing and redelivering.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DeliveryRecord, DeliveryView } from '../../src/domain/hook-deliveries.js';
import type { BuildRunner } from '../../src/ports/build-runner.js';
import { startServer } from '../../src/runtime/start-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { eventually, gitSync, opus, tempDir, writeFiles } from '../support/fixtures.js';
import { HookReceiver } from '../support/hook-receiver.js';

const SECRET = 'e2e-hook-secret';
process.env.OPUS_E2E_HOOK_SECRET = SECRET;

const opusYaml = (url: string) => `hooks:
  - name: ops
    url: ${url}
    events: [config.invalid, sync.failed]
    secret: { env: OPUS_E2E_HOOK_SECRET }
`;

test('a sync of a broken config repo reports config.invalid to the hook; the CLI lists and redelivers it', async (t) => {
  const dir = await tempDir(t, 'opus-hooks-e2e-');
  const receiver = new HookReceiver(SECRET);
  await receiver.up();
  t.after(() => receiver.down());

  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': opusYaml(receiver.url), 'projects/site.yaml': 'source: https://example.com/site.git\nbuild:\n  command: npm run build\n' });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'a project without a build image');
  const commit = gitSync(configDir, 'rev-parse', 'HEAD').trim();

  const runner: BuildRunner = { run: () => Promise.reject(new Error('no builds in this test')) };
  const dataDir = join(dir, 'data');
  const server = await startServer({ dataDir, config: configDir, port: 0, host: '127.0.0.1', logger: silentLogger, runner, syncIntervalMs: 3_600_000, publicUrl: 'https://opus.example.com/' });
  t.after(() => server.close());

  const first = await eventually(() => receiver.accepted[0], 60_000, 'config.invalid at the receiver');
  assert.equal(first.event, 'config.invalid');
  assert.equal(first.body.event, 'config.invalid');
  assert.equal(first.body.configCommit, commit);
  assert.equal(first.body.project, null);
  assert.deepEqual(first.body.urls, { site: null, preview: null, build: null });
  assert.deepEqual(first.body.problems?.map((p) => [p.file, p.path]), [['projects/site.yaml', 'build.image']]);
  assert.deepEqual(receiver.rejected, []);
  assert.ok(existsSync(join(dataDir, 'state', 'hooks', 'ops')), 'the outbox lives under <data-dir>/state/hooks/<hook>');

  // The CLI, as a user runs it.
  // No login and no token flag: the CLI finds the admin token the server made under the same data dir.
  const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), OPUS_DATA_DIR: dataDir };
  const cli = (...args: string[]) => opus([...args, '--server', server.url], { env });
  const listed = await eventually(async () => {
    const result = await cli('hooks', 'deliveries', '--json');
    assert.equal(result.code, 0, result.stderr);
    const deliveries = (JSON.parse(result.stdout) as { deliveries: DeliveryView[] }).deliveries;
    return deliveries[0]?.status === 'delivered' ? deliveries : undefined;
  }, 60_000, 'the delivery listed as delivered');
  assert.equal(listed.length, 1);
  const delivery = listed[0] as DeliveryView;
  assert.equal(delivery.id, first.delivery);
  assert.deepEqual([delivery.hook, delivery.event, delivery.attempts, delivery.lastStatus], ['ops', 'config.invalid', 1, 204]);
  assert.equal('secret' in delivery, false);
  assert.equal('url' in delivery, false);

  const table = await cli('hooks', 'deliveries', '--hook', 'ops', '--status', 'delivered');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /ID\s+HOOK\s+EVENT\s+PROJECT@VERSION\s+STATUS\s+ATTEMPTS\s+LAST CODE\s+TIME/);
  assert.match(table.stdout, new RegExp(`${delivery.id}\\s+ops\\s+config\\.invalid\\s+-\\s+delivered\\s+1\\s+204\\s+just now`));
  assert.match((await cli('hooks', 'deliveries', '--status', 'failed')).stdout, /no delivery matches/);

  const redeliver = await cli('hooks', 'redeliver', delivery.id);
  assert.equal(redeliver.code, 0, redeliver.stderr);
  assert.match(redeliver.stdout, new RegExp(`redelivering ${delivery.id} \\(config\\.invalid\\) to ops`));
  await eventually(() => (receiver.accepted.length === 2 ? true : undefined), 60_000, 'the redelivery');
  assert.equal(receiver.accepted[1]?.delivery, delivery.id, 'a redelivery keeps the delivery id');
  assert.deepEqual(receiver.accepted[1]?.body, first.body, 'and the body');
  const unknown = await cli('hooks', 'redeliver', 'no-such-delivery');
  assert.equal(unknown.code, 4);
  assert.match(unknown.stderr, /no delivery "no-such-delivery"/);

  // The API behind it: deliveries hold the bodies sent about every project, so they need the token.
  const auth = { headers: { Authorization: `Bearer ${server.token}` } };
  assert.equal((await fetch(`${server.url}/api/v1/hooks/deliveries`)).status, 401);
  const bad = await fetch(`${server.url}/api/v1/hooks/deliveries?status=lost`, auth);
  assert.equal(bad.status, 400);
  const one = (await (await fetch(`${server.url}/api/v1/hooks/deliveries/${delivery.id}`, auth)).json()) as DeliveryRecord;
  assert.equal(one.payload.configCommit, commit);
  assert.equal(one.redeliveries, 1);
  assert.equal('secret' in one, false);
  assert.equal('url' in one, false);

  // A broken opus.yaml changes nothing, hooks included: its config.invalid goes to the hook of the last valid one.
  await writeFiles(configDir, { 'opus.yaml': 'hooks: [oops\n' });
  gitSync(configDir, 'commit', '--quiet', '-am', 'break opus.yaml');
  await fetch(`${server.url}/api/v1/sync`, { method: 'POST', ...auth });
  const broken = await eventually(() => receiver.accepted.find((r) => r.body.problems?.some((p) => p.file === 'opus.yaml')), 60_000, 'config.invalid for opus.yaml');
  assert.equal(broken.body.configCommit, gitSync(configDir, 'rev-parse', 'HEAD').trim());
  assert.deepEqual(receiver.rejected, []);
});
