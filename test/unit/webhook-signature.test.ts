import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { constantTimeEqual, hmacSha256Hex, verifyGiteaSignature, verifyGithubSignature, verifyGitlabToken } from '../../src/domain/webhook-signature.js';

const SECRET = "It's a Secret to Everybody";
const PAYLOAD = 'Hello, World!';
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

test("GitHub's documented test vector verifies", () => {
  assert.equal(`sha256=${hmacSha256Hex(SECRET, PAYLOAD)}`, SIGNATURE);
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, SIGNATURE), true);
  assert.equal(verifyGithubSignature(SECRET, Buffer.from(PAYLOAD), SIGNATURE), true, 'the raw body as bytes');
});

test('a GitHub signature fails for another body, another secret, a missing or malformed header', () => {
  assert.equal(verifyGithubSignature(SECRET, 'Hello, World?', SIGNATURE), false);
  assert.equal(verifyGithubSignature('another secret', PAYLOAD, SIGNATURE), false);
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, undefined), false);
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, ''), false);
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, SIGNATURE.slice('sha256='.length)), false, 'the prefix is required');
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, `sha1=${SIGNATURE.slice(7)}`), false);
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, SIGNATURE.slice(0, -1)), false, 'a truncated signature');
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, `${SIGNATURE}0`), false, 'a longer signature');
  assert.equal(verifyGithubSignature(SECRET, PAYLOAD, SIGNATURE.toUpperCase().replace('SHA256=', 'sha256=')), true, 'hex case does not matter');
});

test('Gitea signs with the bare hex HMAC of the body', () => {
  const body = JSON.stringify({ ref: 'refs/tags/1.0.0' });
  const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
  assert.equal(verifyGiteaSignature('s3cret', body, hex), true);
  assert.equal(verifyGiteaSignature('s3cret', body, `sha256=${hex}`), false);
  assert.equal(verifyGiteaSignature('s3cret', `${body} `, hex), false);
  assert.equal(verifyGiteaSignature('other', body, hex), false);
  assert.equal(verifyGiteaSignature('s3cret', body, undefined), false);
});

test('GitLab sends the shared token itself', () => {
  assert.equal(verifyGitlabToken('tok-123', 'tok-123'), true);
  assert.equal(verifyGitlabToken('tok-123', 'tok-124'), false);
  assert.equal(verifyGitlabToken('tok-123', 'tok-12'), false);
  assert.equal(verifyGitlabToken('tok-123', ''), false);
  assert.equal(verifyGitlabToken('tok-123', undefined), false);
});

test('constantTimeEqual compares content and length', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abd'), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual('', ''), true);
});
