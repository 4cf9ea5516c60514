// DockerBuildRunner against the real Docker Engine (DOCKER_HOST) with the local image node:20:
// what lands in the output directory, what the command sees and logs, how it fails, and that no
// container is ever left behind.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import type { BuildSpec } from '../../src/domain/desired-state.js';
import type { BuildJob } from '../../src/ports/build-runner.js';
import { eventually, tempDir, writeFiles } from '../support/fixtures.js';

const docker = new Docker();
const runner = new DockerBuildRunner(docker);
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

interface Setup {
  job: BuildJob;
  /** Everything written to the job's log so far. */
  logText: () => string;
}

/** A job with a fresh source dir (holding `files`), an empty output dir and a unique project name. */
async function makeJob(t: TestContext, spec: Partial<BuildSpec> & { command: string }, files: Record<string, string> = {}, signal?: AbortSignal): Promise<Setup> {
  const dir = await tempDir(t, 'opus-runner-');
  const sourceDir = join(dir, 'src');
  const outputDir = join(dir, 'out');
  await mkdir(sourceDir, { recursive: true });
  await mkdir(outputDir, { recursive: true });
  await writeFiles(sourceDir, { 'README.md': 'not part of the output\n', ...files });
  const chunks: Buffer[] = [];
  const log = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const project = `runner-test-${randomUUID().slice(0, 8)}`;
  t.after(() => removeLeftovers(project));
  const fullSpec: BuildSpec = { image: 'node:20', output: 'dist', env: {}, network: 'default', timeoutMs: 60_000, memoryBytes: 512 * 1024 ** 2, ...spec };
  return {
    job: { project, version: '1.2.3', commit: COMMIT, spec: fullSpec, sourceDir, outputDir, log, ...(signal ? { signal } : {}) },
    logText: () => Buffer.concat(chunks).toString('utf8'),
  };
}

function containersOf(project: string, all = true): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all, filters: { label: [`dev.opus.project=${project}`] } });
}

/** The user-visible promise: no build container outlives its build, whatever happened. */
async function assertNoContainerLeft(project: string): Promise<void> {
  const left = await containersOf(project);
  assert.deepEqual(left.map((c) => `${c.Id.slice(0, 12)} ${c.State}`), [], `containers left for ${project}`);
}

/** So that one failing test does not leave containers for the next runs. */
async function removeLeftovers(project: string): Promise<void> {
  for (const c of await containersOf(project).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

/** Relative path → content of every file under dir. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else tree[relative(dir, path)] = await readFile(path, 'utf8');
    }
  };
  await walk(dir);
  return tree;
}

test('a successful build copies exactly the contents of the output directory, nested dirs and all', async (t) => {
  const { job } = await makeJob(
    t,
    { command: 'mkdir -p dist && cp -r site/. dist/ && echo "built in container" > dist/generated.txt && mkdir -p dist/empty-dir' },
    {
      'site/index.html': '<h1>hello</h1>\n',
      'site/static/js/app.js': 'console.log("app");\n',
      'site/static/css/deep/nested/style.css': 'body { color: red }\n',
      'package.json': '{"name":"app"}\n',
    },
  );
  await runner.run(job);
  assert.deepEqual(await readTree(job.outputDir), {
    'index.html': '<h1>hello</h1>\n',
    'static/js/app.js': 'console.log("app");\n',
    'static/css/deep/nested/style.css': 'body { color: red }\n',
    'generated.txt': 'built in container\n',
  });
  assert.ok((await stat(join(job.outputDir, 'empty-dir'))).isDirectory(), 'empty directories of the output are kept');
  assert.deepEqual((await readdir(job.outputDir)).includes('dist'), false, 'the output dir itself is not nested in outputDir');
  await assertNoContainerLeft(job.project);
});

test('an output directory nested deeper in the workspace is copied by its contents too', async (t) => {
  const { job } = await makeJob(t, { command: 'mkdir -p build/public/assets && echo page > build/public/index.html && echo img > build/public/assets/a.svg && echo no > build/other.txt', output: 'build/public' });
  await runner.run(job);
  assert.deepEqual(await readTree(job.outputDir), { 'index.html': 'page\n', 'assets/a.svg': 'img\n' });
  await assertNoContainerLeft(job.project);
});

test('the command sees spec.env plus OPUS_PROJECT, OPUS_VERSION and OPUS_COMMIT', async (t) => {
  const { job, logText } = await makeJob(t, {
    command: 'mkdir -p dist && env > dist/env.txt && echo "api=$API_URL greeting=$GREETING"',
    env: { API_URL: 'https://api.example.com/v1', GREETING: 'hello world' },
  });
  await runner.run(job);
  const env = Object.fromEntries(
    (await readFile(join(job.outputDir, 'env.txt'), 'utf8'))
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.equal(env.API_URL, 'https://api.example.com/v1');
  assert.equal(env.GREETING, 'hello world');
  assert.equal(env.OPUS_PROJECT, job.project);
  assert.equal(env.OPUS_VERSION, '1.2.3');
  assert.equal(env.OPUS_COMMIT, COMMIT);
  assert.match(logText(), /api=https:\/\/api\.example\.com\/v1 greeting=hello world/);
  await assertNoContainerLeft(job.project);
});

test('the log stream receives both stdout and stderr of the command', async (t) => {
  const { job, logText } = await makeJob(t, { command: 'echo "line on stdout"; echo "line on stderr" >&2; mkdir -p dist && echo ok > dist/index.html; echo "last words"' });
  await runner.run(job);
  const log = logText();
  assert.match(log, /line on stdout/);
  assert.match(log, /line on stderr/);
  assert.match(log, /last words/);
  await assertNoContainerLeft(job.project);
});

test('a command that exits non-zero fails with its exit code, and its output is in the log', async (t) => {
  const { job, logText } = await makeJob(t, { command: 'echo "compiling..."; echo "error TS2304: cannot find name" >&2; exit 7' });
  await assert.rejects(runner.run(job), (error: Error) => {
    assert.match(error.message, /exited with code 7/);
    return true;
  });
  assert.match(logText(), /error TS2304: cannot find name/);
  assert.deepEqual(await readdir(job.outputDir), [], 'nothing is copied out of a failed build');
  await assertNoContainerLeft(job.project);
});

test('a build that writes no output directory fails naming build.output', async (t) => {
  const { job } = await makeJob(t, { command: 'mkdir -p build && echo x > build/index.html', output: 'dist' });
  await assert.rejects(runner.run(job), (error: Error) => {
    assert.match(error.message, /"dist"/);
    assert.match(error.message, /build\.output/);
    return true;
  });
  await assertNoContainerLeft(job.project);
});

test('a build over its time limit is killed within seconds of the limit, with an error saying it timed out', async (t) => {
  const { job } = await makeJob(t, { command: 'sleep 600', timeoutMs: 2_000 });
  const started = Date.now();
  await assert.rejects(runner.run(job), (error: Error) => {
    assert.match(error.message, /timed out after 2s/);
    assert.match(error.message, /build\.timeout/);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 2_000 && elapsed < 8_000, `killed after ${elapsed} ms`);
  await assertNoContainerLeft(job.project);
});

test('aborting the signal cancels a running build at once', async (t) => {
  const controller = new AbortController();
  const { job } = await makeJob(t, { command: 'sleep 600', timeoutMs: 120_000 }, {}, controller.signal);
  const run = runner.run(job);
  run.catch(() => undefined);
  await eventually(async () => ((await containersOf(job.project, false)).length === 1 ? true : undefined), 20_000, 'the build container to run');
  const aborted = Date.now();
  controller.abort();
  await assert.rejects(run, /cancelled/);
  assert.ok(Date.now() - aborted < 5_000, `stopped ${Date.now() - aborted} ms after the abort`);
  await assertNoContainerLeft(job.project);
});

test('a build whose signal was aborted before it started does not run its command', async (t) => {
  const controller = new AbortController();
  controller.abort();
  const { job } = await makeJob(t, { command: 'sleep 600', timeoutMs: 60_000 }, {}, controller.signal);
  const started = Date.now();
  await assert.rejects(runner.run(job), /cancelled/);
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
  await assertNoContainerLeft(job.project);
});

test('a build aborted while its container is being prepared stops as soon as it would start', async (t) => {
  const controller = new AbortController();
  const { job } = await makeJob(t, { command: 'sleep 600', timeoutMs: 60_000 }, {}, controller.signal);
  const started = Date.now();
  const run = runner.run(job);
  controller.abort(); // the runner is now checking the image: no container runs yet
  await assert.rejects(run, /cancelled/);
  assert.ok(Date.now() - started < 10_000, `gave up after ${Date.now() - started} ms`);
  await assertNoContainerLeft(job.project);
});

test('an image that is not on the host and cannot be pulled gives a clear error naming it', async (t) => {
  const image = `opus-test/no-such-image:${randomUUID().slice(0, 8)}`;
  const { job, logText } = await makeJob(t, { command: 'true', image });
  await assert.rejects(runner.run(job), (error: Error) => {
    assert.ok(error.message.includes(`"${image}"`), error.message);
    assert.match(error.message, /could not be pulled/);
    return true;
  });
  assert.ok(logText().includes(image), 'the log says which image was missing');
  await assertNoContainerLeft(job.project);
});

const REACH_REGISTRY = `node -e 'fetch("https://registry.npmjs.org/", { signal: AbortSignal.timeout(5000) }).then((r) => console.log("registry reached", r.status), (e) => { console.log("registry unreachable", (e.cause && e.cause.code) || e.message); process.exit(9); })' && mkdir -p dist && echo ok > dist/index.html`;

test('network "default" is offline, network "host" reaches the npm registry', async (t) => {
  const offline = await makeJob(t, { command: REACH_REGISTRY, network: 'default', timeoutMs: 30_000 });
  await assert.rejects(runner.run(offline.job), /exited with code 9/);
  assert.match(offline.logText(), /registry unreachable/);
  await assertNoContainerLeft(offline.job.project);

  const online = await makeJob(t, { command: REACH_REGISTRY, network: 'host', timeoutMs: 30_000 });
  await runner.run(online.job);
  assert.match(online.logText(), /registry reached 200/);
  await assertNoContainerLeft(online.job.project);
});

test('the build runs as 1000:1000 with no capabilities, no new privileges, its CPU quota, and cannot fork past its pids limit', async (t) => {
  const command = [
    'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; echo "uid $(id -u):$(id -g)"',
    'echo "cpu $(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)")"',
    // A shell that cannot fork exits: the storm runs in a subshell of its own.
    "(i=0; while [ $i -lt 80 ]; do sleep 2 & i=$((i+1)); done; wait) 2>&1 || echo 'the storm ended'; sleep 2",
    'mkdir -p dist && echo ok > dist/index.html && touch package-lock.json && echo "workspace writable"',
  ].join('\n');
  const { job, logText } = await makeJob(t, { command, sandbox: { cpus: 1.5, pids: 40, user: '1000:1000' } });
  await runner.run(job).catch((error: unknown) => assert.fail(`${String(error)}\n${logText()}`));
  const log = logText();
  assert.match(log, /CapEff:\s+0000000000000000/);
  assert.match(log, /NoNewPrivs:\s+1/);
  assert.match(log, /uid 1000:1000/);
  assert.match(log, /cpu 150000 100000/);
  assert.match(log, /can't fork|Resource temporarily unavailable/, 'forking stops at the pids limit');
  assert.match(log, /workspace writable/);
  assert.equal(await readFile(join(job.outputDir, 'index.html'), 'utf8'), 'ok\n');
  await assertNoContainerLeft(job.project);
});
