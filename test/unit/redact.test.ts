import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact, redactText } from '../../src/domain/redact.js';
import { createLogger } from '../../src/services/logger.js';

const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

test('secrets inside text are cut out', () => {
  assert.equal(redactText('Authorization: Bearer abc.def-123456'), 'Authorization: Bearer [redacted]');
  assert.equal(redactText('Authorization: token 0123456789abcdef0123456789'), 'Authorization: token [redacted]');
  assert.equal(redactText('fatal: unable to access https://oauth2:s3cret@git.example.com/a/b.git'), 'fatal: unable to access https://[redacted]@git.example.com/a/b.git');
  assert.equal(redactText(`https://${TOKEN}@github.com/a/b.git`), 'https://[redacted]@github.com/a/b.git');
  assert.equal(redactText('GET /x?access_token=abc123&page=2'), 'GET /x?access_token=[redacted]&page=2');
  assert.equal(redactText(`the token was ${TOKEN}`), 'the token was [redacted]');
});

test('ordinary text is left alone', () => {
  for (const text of ['a valid API token is required: send Authorization: Bearer <token>', 'ssh://git@github.com/acme/site.git', 'deploy site 1.1.0 (was 1.0.0)', 'token required']) {
    assert.equal(redactText(text), text);
  }
});

test('fields named like secrets are masked, at any depth', () => {
  assert.deepEqual(redact({ token: 'x', apiToken: 'y', nested: { password: 'p', list: [{ authorization: 'a' }] }, project: 'site', secret: '' }), {
    token: '[redacted]',
    apiToken: '[redacted]',
    nested: { password: '[redacted]', list: [{ authorization: '[redacted]' }] },
    project: 'site',
    secret: '',
  });
  assert.equal(redact(new Error(`push to https://u:${TOKEN}@h/a/b failed`)), 'push to https://[redacted]@h/a/b failed');
});

test('the logger never writes a token, in JSON or for a terminal', () => {
  for (const format of ['json', 'human'] as const) {
    const lines: string[] = [];
    const logger = createLogger(format, (line) => void lines.push(line));
    logger.info(`cloning https://x:${TOKEN}@github.com/acme/site.git`, { token: TOKEN, headers: { Authorization: `Bearer ${TOKEN}` }, error: `remote said: ${TOKEN}` });
    logger.error('request failed', { url: `/api?token=${TOKEN}` });
    assert.equal(lines.length, 2);
    assert.equal(lines.join('').includes(TOKEN), false, lines.join(''));
    assert.match(lines[0] ?? '', /\[redacted\]/);
  }
});
