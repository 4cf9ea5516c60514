import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { HOOK_HEADERS, hookRequestHeaders, signHookBody, verifyHookSignature } from '../../src/domain/hook-signature.js';

const secret = 'whsec-test';
const body = '{"id":"e1","event":"build.failed"}';

test('the signature is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
  const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
  assert.equal(signHookBody(secret, 1_700_000_000, body), `sha256=${expected}`);
  assert.notEqual(signHookBody(secret, 1_700_000_001, body), signHookBody(secret, 1_700_000_000, body));
  assert.notEqual(signHookBody('other', 1_700_000_000, body), signHookBody(secret, 1_700_000_000, body));
});

test('a request carries the event, a delivery id, the timestamp and the signature', () => {
  const headers = hookRequestHeaders({ secret, deliveryId: 'd-1', event: 'build.failed', body, timestamp: 1_700_000_000 });
  assert.equal(headers[HOOK_HEADERS.event], 'build.failed');
  assert.equal(headers[HOOK_HEADERS.delivery], 'd-1');
  assert.equal(headers[HOOK_HEADERS.timestamp], '1700000000');
  assert.equal(headers[HOOK_HEADERS.signature], signHookBody(secret, 1_700_000_000, body));
  assert.equal(headers['Content-Type'], 'application/json');
});

test('a receiver accepts a fresh, matching signature and rejects anything else', () => {
  const now = 1_700_000_000;
  const signed = (timestamp: number, text = body, key = secret) => ({ secret, body: text, signature: signHookBody(key, timestamp, text), timestamp: String(timestamp), nowSeconds: now });
  assert.deepEqual(verifyHookSignature(signed(now)), { ok: true });
  assert.deepEqual(verifyHookSignature(signed(now - 299)), { ok: true });
  assert.deepEqual(verifyHookSignature({ ...signed(now), signature: signed(now).signature.toUpperCase().replace('SHA256=', 'sha256=') }), { ok: true });

  const reasons = (input: Parameters<typeof verifyHookSignature>[0]) => {
    const verdict = verifyHookSignature(input);
    assert.equal(verdict.ok, false);
    return verdict.ok ? '' : verdict.reason;
  };
  assert.match(reasons(signed(now - 301)), /replay/);
  assert.match(reasons(signed(now + 301)), /replay/);
  assert.deepEqual(verifyHookSignature({ ...signed(now - 3000), toleranceSeconds: 3600 }), { ok: true });
  assert.match(reasons({ ...signed(now), body: `${body} ` }), /does not match/);
  assert.match(reasons(signed(now, body, 'wrong secret')), /does not match/);
  // The timestamp is signed too: moving it forward breaks the signature.
  assert.match(reasons({ ...signed(now - 10), timestamp: String(now) }), /does not match/);
  assert.match(reasons({ ...signed(now), signature: undefined }), /signature/);
  assert.match(reasons({ ...signed(now), signature: 'md5=abc' }), /signature/);
  assert.match(reasons({ ...signed(now), timestamp: undefined }), /timestamp/);
  assert.match(reasons({ ...signed(now), timestamp: '1.5e9' }), /timestamp/);
});
