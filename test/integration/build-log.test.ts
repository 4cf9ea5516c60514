// The build log as it lands on disk: capped with a note at the cut, masked, and Opus's own lines kept in order.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BuildLog } from '../../src/services/build-log.js';
import { tempDir } from '../support/fixtures.js';

const SECRET = 'tok_9f8e7d6c5b4a3210';

test('a log over its limit is cut with a note; Opus\'s last lines still follow; secrets are masked before the disk', async (t) => {
  const path = join(await tempDir(t, 'opus-log-'), 'build.log');
  const log = new BuildLog(createWriteStream(path), 1000, [SECRET]);
  log.note('opus: starting\n');
  log.output.write(`token is ${SECRET.slice(0, 7)}`);
  log.output.write(`${SECRET.slice(7)} and ${Buffer.from(SECRET).toString('base64')}\n`);
  for (let i = 0; i < 1000; i += 1) log.output.write(`flood line ${i} ${SECRET}\n`);
  await new Promise((resolve) => setImmediate(resolve));
  log.note('opus: build failed: something\n');
  await log.close();
  const text = await readFile(path, 'utf8');
  assert.ok(!text.includes(SECRET) && !text.includes(Buffer.from(SECRET).toString('base64')), 'no form of the secret on disk');
  assert.ok(text.startsWith('opus: starting\ntoken is *** and ***\nflood line 0 ***\n'), text.slice(0, 100));
  assert.match(text, /\nopus: the build log reached its limit of 1000 bytes \(builds\.limits\.log\); the rest of what the build prints is left out\nopus: build failed: something\n$/);
  assert.ok(Buffer.byteLength(text) < 1300, `the cap holds: ${Buffer.byteLength(text)} bytes`);
  assert.ok(!text.includes('flood line 999'));
});
