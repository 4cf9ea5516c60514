// What a Docker build container is given: least privilege, limits, and secrets only in its environment.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildContainerOptions } from '../../src/adapters/docker/build-container.js';
import { DEFAULT_BUILD_LIMITS } from '../../src/domain/build-limits.js';
import type { BuildJob } from '../../src/ports/build-runner.js';

const job = (extra: Partial<BuildJob['spec']> = {}, secretEnv?: Record<string, string>): BuildJob => ({
  project: 'site',
  version: '1.0.0',
  commit: 'c0ffee',
  spec: { image: 'node:20', command: 'npm ci && npm run build', output: 'dist', env: { API: 'x', NPM_TOKEN: 'from-env' }, network: 'default', timeoutMs: 60_000, memoryBytes: 1024 ** 3, limits: DEFAULT_BUILD_LIMITS, ...extra },
  sourceDir: '/src',
  outputDir: '/out',
  log: new Writable(),
  ...(secretEnv ? { secretEnv } : {}),
});

test('by default the build runs as 1000:1000 with no capabilities, no new privileges, 2 CPUs, 1024 pids and its memory limit', () => {
  const options = buildContainerOptions(job(), { env: {}, mounts: [] });
  assert.equal(options.User, '1000:1000');
  assert.deepEqual(options.HostConfig?.CapDrop, ['ALL']);
  assert.equal(options.HostConfig?.CapAdd, undefined);
  assert.deepEqual(options.HostConfig?.SecurityOpt, ['no-new-privileges']);
  assert.equal(options.HostConfig?.NanoCpus, 2e9);
  assert.equal(options.HostConfig?.PidsLimit, 1024);
  assert.equal(options.HostConfig?.Memory, 1024 ** 3);
  assert.equal(options.HostConfig?.MemorySwap, 1024 ** 3, 'no swap beyond the memory limit');
  assert.equal(options.HostConfig?.Privileged, undefined);
  assert.equal(options.HostConfig?.NetworkMode, undefined, "Docker's default network");
});

test('the sandbox settings of the spec are used as given', () => {
  const options = buildContainerOptions(job({ sandbox: { cpus: 0.5, pids: 64, user: 'node' }, network: 'none' }), { env: {}, mounts: [] });
  assert.equal(options.User, 'node');
  assert.equal(options.HostConfig?.NanoCpus, 5e8);
  assert.equal(options.HostConfig?.PidsLimit, 64);
  assert.equal(options.HostConfig?.NetworkMode, 'none');
});

test('secrets are in the environment only, and win over a build.env of the same name', () => {
  const options = buildContainerOptions(job({}, { NPM_TOKEN: 'the-secret-value' }), { env: {}, mounts: [] });
  assert.ok(options.Env?.includes('NPM_TOKEN=the-secret-value'));
  assert.ok(!options.Env?.includes('NPM_TOKEN=from-env'));
  const elsewhere = JSON.stringify({ ...options, Env: undefined });
  assert.ok(!elsewhere.includes('the-secret-value'), 'not in labels, command or anything else');
});
