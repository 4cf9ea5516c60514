// Ctrl-C in the middle of `opus deploy --wait`, as a newcomer does when a build takes long: the CLI
// says that only the waiting stopped (the commit stays, the server goes on) and how to look again,
// exits 130, and the deploy still goes live. Real CLI process, real server, real Docker build.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { eventually, gitSync, opusBin, repoRoot } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';

let w: OpusWorld;

before(async () => {
  w = await startOpusWorld({ slow: { versions: { '1.0.0': { 'public/index.html': 'slow 1.0.0\n' } }, command: 'sleep 8; mkdir -p dist && cp -r public/. dist/' } });
  await w.settle((list) => list.some((p) => p.name === 'slow'));
});

after(async () => {
  await w?.close();
});

test('Ctrl-C during deploy --wait says nothing is undone and how to look again; the deploy goes live', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [opusBin, 'deploy', 'slow', '1.0.0', '--wait'], { cwd: repoRoot, env: { ...process.env, OPUS_SERVER: w.url, OPUS_TOKEN: w.token, OPUS_CONFIG: w.configDir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await eventually(() => (/running ".*" in node:20/.test(stdout) ? true : undefined), 60_000, 'the build log to start');
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 130, stderr);
  const commit = gitSync(w.configDir, 'rev-parse', 'HEAD').trim();
  assert.equal(gitSync(w.configDir, 'log', '-1', '--format=%s').trim(), 'deploy slow 1.0.0', 'the commit stays');
  assert.ok(stderr.includes(`stopped waiting; nothing is undone: the commit ${commit.slice(0, 12)} stays in ${w.configDir}`), stderr);
  assert.match(stderr, /opus status slow, or wait again: opus sync slow --wait/);
  await w.settle((list) => list.find((p) => p.name === 'slow')?.live === '1.0.0');
});
