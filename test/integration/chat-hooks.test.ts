// Hooks in a chat's own format, delivered for real over HTTP to a receiver on 127.0.0.1 standing
// for Slack's and Discord's incoming webhooks: the body is theirs ({ text, blocks } and
// { content, embeds }, as their documentation gives them), sent without a signature when the hook
// has no secret, and text from a project cannot become markup or a mention.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsHookOutbox } from '../../src/adapters/hooks/fs-hook-outbox.js';
import { HttpHookSender } from '../../src/adapters/hooks/http-hook-sender.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { HookDeliveryService } from '../../src/services/hook-delivery.js';
import { silentLogger } from '../../src/services/logger.js';
import { eventually } from '../support/fixtures.js';
import { HookReceiver } from '../support/hook-receiver.js';

test('format: slack and format: discord hooks post in those formats; an Opus hook without a secret is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'opus-chat-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const slack = new HookReceiver(undefined);
  const discord = new HookReceiver(undefined);
  await slack.up();
  await discord.up();
  t.after(() => Promise.all([slack.down(), discord.down()]));
  const text = `hooks:\n  - name: slack\n    url: ${slack.url}\n    format: slack\n    events: [deploy.failed]\n  - name: discord\n    url: ${discord.url}\n    format: discord\n    events: [deploy.failed]\n`;
  const desired = readDesiredState({ path: 'opus.yaml', text }, []);
  assert.deepEqual(desired.problems, []);
  const refused = readDesiredState({ path: 'opus.yaml', text: `hooks:\n  - url: ${slack.url}\n    events: ["*"]\n` }, []);
  assert.match(refused.problems[0]?.message ?? '', /required.*only format: slack or discord/);

  const hooks = new HookDeliveryService({ outbox: new FsHookOutbox(join(dir, 'hooks')), sender: new HttpHookSender(2_000), logger: silentLogger, desired: () => desired, publicUrl: () => 'https://opus.example.com', stopGraceMs: 200 });
  await hooks.start();
  t.after(() => hooks.stop());
  hooks.emit({ event: 'deploy.failed', project: 'site', version: '1.2.0', previousVersion: '1.1.0', message: '<!channel> *bold* @everyone [x](http://evil)' });
  await eventually(() => (slack.accepted.length === 1 && discord.accepted.length === 1 ? true : undefined), 10_000, 'both deliveries');

  const s = slack.accepted[0]?.body as unknown as { text: string; blocks: { type: string; text: { type: string; text: string } }[] };
  assert.equal(s.text, 'Opus: site 1.2.0 did not go live: <!channel> *bold* @everyone [x](http://evil) (1.1.0 keeps serving)');
  assert.equal(s.blocks[0]?.type, 'section');
  assert.equal(s.blocks[0]?.text.type, 'mrkdwn');
  assert.match(s.blocks[0]?.text.text ?? '', /&lt;!channel&gt;/, 'no @channel ping from a build message');
  assert.match(s.blocks[0]?.text.text ?? '', /<https:\/\/opus\.example\.com\/api\/v1\/builds\/site@1\.2\.0\|open>$/);

  const d = discord.accepted[0]?.body as unknown as { content: string; allowed_mentions: { parse: string[] }; embeds: { title: string; description: string; color: number; url: string }[] };
  assert.deepEqual(d.allowed_mentions, { parse: [] }, 'no mention can ping anyone');
  assert.equal(d.content, 'Opus: site 1.2.0 did not go live: <!channel> \\*bold\\* \\@everyone \\[x\\](http://evil) (1.1.0 keeps serving)');
  assert.equal(d.embeds[0]?.title, 'deploy.failed');
  assert.equal(d.embeds[0]?.url, 'https://opus.example.com/api/v1/builds/site@1.2.0');
  assert.equal(typeof d.embeds[0]?.color, 'number');
  assert.deepEqual([slack.rejected, discord.rejected], [[], []]);
});
