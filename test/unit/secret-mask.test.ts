// The build log's secret mask: every form of a value is masked, wherever the chunks of the log split it.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { MASK, SecretMask, maskText, maskedForms } from '../../src/services/secret-mask.js';

const SECRET = 'npm_Ab3dE9fGh1jKlMn0pQrStUvWxYz';

/** What the mask writes when `input` arrives in the given chunks. */
function masked(chunks: (string | Buffer)[], values = [SECRET]): Promise<string> {
  return text(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new SecretMask(values)));
}

test('a secret printed as is is masked, and the text around it is kept byte for byte', async () => {
  assert.equal(await masked([`token=${SECRET}\nnext line ✓\n`]), `token=${MASK}\nnext line ✓\n`);
});

test('a secret split across chunks is masked at every split point', async () => {
  const line = `before ${SECRET} after\n`;
  for (let cut = 0; cut <= line.length; cut += 1) {
    assert.equal(await masked([line.slice(0, cut), line.slice(cut)]), `before ${MASK} after\n`, `split at ${cut}`);
  }
  assert.equal(await masked([...line].map((c) => c)), `before ${MASK} after\n`, 'one byte per chunk');
});

test('the base64 and base64url forms are masked, also inside a longer base64 text at any offset', async () => {
  const b64 = Buffer.from(SECRET).toString('base64');
  assert.equal(await masked([`${b64}\n`]), `${MASK}\n`, 'the whole form, padding and all');
  for (const prefix of ['', 'u', 'us', 'user:']) {
    const wrapped = Buffer.from(`${prefix}${SECRET}@registry`).toString('base64');
    const out = await masked([`auth=${wrapped}\n`]);
    assert.ok(out.includes(MASK), `prefix "${prefix}": ${out}`);
    // What is left of the secret's own characters is at most the 2 characters that mix in a neighbour's bits at each end.
    const own = Buffer.from(`${prefix}${SECRET}`).toString('base64');
    assert.ok(!out.includes(own.slice(Math.ceil((prefix.length * 8) / 6) + 1, own.length - 2)), `prefix "${prefix}": ${out}`);
  }
  const url = Buffer.from(`${SECRET}??>>`).toString('base64url');
  assert.ok((await masked([url])).startsWith(MASK));
});

test('several secrets, repeated and adjacent, are all masked; a log without them passes unchanged', async () => {
  const other = 'second-secret-value';
  assert.equal(await masked([`${SECRET}${SECRET} ${other}!${SECRET}`], [SECRET, other]), `${MASK}${MASK} ${MASK}!${MASK}`);
  const plain = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]);
  const raw = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    Readable.from([plain]).pipe(new SecretMask([SECRET])).on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
  assert.deepEqual(raw, plain, 'bytes that are not UTF-8 are kept as they are');
});

test('values too short to mask safely are not turned into masks of every letter', () => {
  assert.deepEqual(maskedForms(['abc']), []);
  assert.ok(maskedForms([SECRET]).includes(SECRET));
});

test('maskText masks the same forms in a message (a build record error, an event)', () => {
  assert.equal(maskText(`failed: ${SECRET} / ${Buffer.from(SECRET).toString('base64')}`, [SECRET]), `failed: ${MASK} / ${MASK}`);
});

test('hex (either case), URL-, form- and JSON-encoded forms are masked, also split across chunks', async () => {
  const odd = 'npm_S3cr/t+Tok=n&42 "z"';
  const hex = Buffer.from(odd).toString('hex');
  const forms = [hex, hex.toUpperCase(), encodeURIComponent(odd), new URLSearchParams({ t: odd }).toString().slice(2), JSON.stringify(odd).slice(1, -1)];
  for (const form of forms) {
    const line = `[${form}]\n`;
    assert.equal(await masked([line], [odd]), `[${MASK}]\n`, form);
    assert.equal(await masked([line.slice(0, 9), line.slice(9)], [odd]), `[${MASK}]\n`, `${form} in two chunks`);
  }
  assert.equal(maskText(`url=https://x/?t=${encodeURIComponent(odd)}`, [odd]), `url=https://x/?t=${MASK}`);
});
