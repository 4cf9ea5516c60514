// Live build logs: Server-Sent Events while a build runs (lines arrive while it runs, then an
// `end` event with the status), text/plain once it is over, and `opus logs --follow`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BuildView } from '../../src/domain/builds.js';
import { SseParser, type SseEvent } from '../../src/domain/sse.js';
import { cleanDocker, projectYaml, startBuildServer } from '../support/build-server.js';
import { makeSourceRepo, opus, tempDir } from '../support/fixtures.js';

const CHATTY = 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.4; done; printf "no newline at the end"; mkdir -p dist && cp -r public/. dist/';

async function setup(t: TestContext, command = CHATTY) {
  const project = `logs-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-log-app-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'public/index.html': 'one\n' }, '1.1.0': { 'public/index.html': 'two\n' } });
  const s = await startBuildServer(t, { files: { 'opus.yaml': '', [`projects/${project}.yaml`]: projectYaml(source, { command }) } });
  return { project, s, configHome: dir };
}

test('a running build\'s log is followed live over SSE and ends with the final status; a finished one is plain text', { timeout: 120_000 }, async (t) => {
  const { project, s } = await setup(t);
  const trigger = await s.api<BuildView>('POST', `/projects/${project}/builds`, { version: '1.0.0' });
  assert.equal(trigger.status, 202);
  const response = await fetch(`${s.url}/api/v1/builds/${encodeURIComponent(trigger.body.id)}/log`, { headers: { Accept: 'text/event-stream' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);

  const parser = new SseParser();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let statusWhenLine1: string | undefined;
  const reader = response.body?.getReader();
  assert.ok(reader);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const event of parser.push(decoder.decode(value, { stream: true }))) {
      events.push(event);
      if (event.data.includes('line 1') && statusWhenLine1 === undefined) {
        statusWhenLine1 = (await s.api<BuildView>('GET', `/builds/${encodeURIComponent(trigger.body.id)}`)).body.status;
      }
    }
  }
  assert.equal(statusWhenLine1, 'running', 'the first lines arrived while the build was still running');
  const text = events.filter((e) => e.event === 'message').map((e) => e.data).join('\n');
  for (let i = 1; i <= 6; i += 1) assert.match(text, new RegExp(`^line ${i}$`, 'm'));
  assert.match(text, /no newline at the end/);
  assert.match(text, /opus: published/);
  const end = events.at(-1);
  assert.equal(end?.event, 'end');
  assert.deepEqual(JSON.parse(end?.data ?? '{}'), { id: trigger.body.id, status: 'succeeded' });
  assert.ok(events.filter((e) => e.event === 'message').length >= 3, 'the log came in several pieces');

  const after = await fetch(`${s.url}/api/v1/builds/${encodeURIComponent(trigger.body.id)}/log`);
  assert.match(after.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(after.headers.get('x-opus-build-status'), 'succeeded');
  const plain = await after.text();
  assert.match(plain, /line 1\nline 2\n/);
  assert.equal((await fetch(`${s.url}/api/v1/builds/${encodeURIComponent(`${project}@9.9.9`)}/log`)).status, 404);
});

test('a client that goes away ends its follow; the build goes on; ?follow=0 gives the log so far', { timeout: 120_000 }, async (t) => {
  const { project, s } = await setup(t);
  const { body } = await s.api<BuildView>('POST', `/projects/${project}/builds`, { version: '1.0.0' });
  const path = `${s.url}/api/v1/builds/${encodeURIComponent(body.id)}/log`;
  const aborter = new AbortController();
  const response = await fetch(path, { signal: aborter.signal });
  const reader = response.body?.getReader();
  await reader?.read();
  aborter.abort();
  const snapshot = await fetch(`${path}?follow=0`);
  assert.equal(snapshot.status, 200, await snapshot.clone().text());
  assert.match(snapshot.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(snapshot.headers.get('x-opus-build-status') ?? '', /^(queued|running)$/);
  const record = await s.scheduler.cancel(project, '1.0.0');
  assert.equal(record?.status, 'cancelled');
});

test('opus logs --follow streams a running build; opus logs prints the latest build\'s log', { timeout: 120_000 }, async (t) => {
  const { project, s, configHome } = await setup(t);
  const env = { XDG_CONFIG_HOME: configHome };
  assert.equal((await s.api('POST', `/projects/${project}/builds`, { version: '1.1.0' })).status, 202);
  const follow = await opus(['logs', project, '1.1.0', '--follow', '--server', s.url], { env });
  assert.equal(follow.code, 0, follow.stderr);
  assert.match(follow.stdout, /line 1\n[\s\S]*line 6\n/);
  assert.match(follow.stderr, new RegExp(`${project}@1.1.0 succeeded`));

  const latest = await opus(['logs', project, '--server', s.url], { env });
  assert.equal(latest.code, 0, latest.stderr);
  assert.match(latest.stdout, /line 6/);
  const none = await opus(['logs', 'nothing-here', '--server', s.url], { env });
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /no build of "nothing-here"/);
});
