// Time from a pull-request webhook to its success status, build included, on the real `opus
// server` (startServer, real Docker builds, the forge stand-in hosting the app and answering the
// status API), against a bare `docker run` of the same build command on the same checkout,
// measured in the same run, alternating. Opus's own overhead is the difference: webhook parsing,
// the fetch of the pull request's ref, copying the source in and the output out, publishing,
// the status calls. Prints the medians and the overhead's share of the total.
//   npm run bench:previews [-- --rounds 7]
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { gitSync } from '../test/support/fixtures.js';
import { startPreviewWorld } from '../test/support/preview-world.js';
import { postGithub } from '../test/support/webhooks.js';

const COMMAND = 'mkdir -p dist && cp -r public/. dist/';
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function bareDockerRun(docker: Docker, work: string, commit: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-bench-bare-'));
  try {
    execFileSync('git', ['-C', work, 'worktree', 'add', '--quiet', '--detach', dir, commit]);
    const started = performance.now();
    const [result] = (await docker.run('node:20', ['sh', '-c', COMMAND], process.stderr, { WorkingDir: '/src', HostConfig: { Binds: [`${dir}:/src`], AutoRemove: true } })) as [{ StatusCode: number }];
    const ms = performance.now() - started;
    if (result.StatusCode !== 0) throw new Error(`the bare build exited ${result.StatusCode}`);
    return ms;
  } finally {
    execFileSync('git', ['-C', work, 'worktree', 'remove', '--force', dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const world = await startPreviewWorld({ command: COMMAND, files: { 'public/index.html': '<h1>1.0.0</h1>' }, projectYaml: 'previews: {}\n' });
  const docker = new Docker();
  const opus: number[] = [];
  const bare: number[] = [];
  const builds: number[] = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      const head = await world.commit('feature', { 'public/index.html': `<h1>round ${round}</h1>`, [`public/r${round}.txt`]: `${round}\n` }, `round ${round}`);
      world.setRef(`refs/pull/${round}/head`, head);
      const repo = { full_name: 'acme/site', clone_url: world.source };
      const body = JSON.stringify({ action: 'opened', number: round, pull_request: { number: round, user: { login: 'alice' }, author_association: 'MEMBER', labels: [], head: { ref: 'feature', sha: head, repo }, base: { ref: 'main', repo } }, repository: repo });
      const sent = performance.now();
      const answer = await postGithub(world.server.url, body, { event: 'pull_request', secret: world.secret });
      if (answer.status !== 202) throw new Error(`the webhook was answered ${answer.status}`);
      const success = await world.statusOf(head, 'success', 300_000);
      opus.push(success.at - sent);
      const id = encodeURIComponent(`site@sha-${head.slice(0, 12)}`);
      builds.push(((await (await fetch(`${world.server.url}/api/v1/builds/${id}`)).json()) as { durationMs: number }).durationMs);
      bare.push(await bareDockerRun(docker, world.work, head));
      gitSync(world.work, 'checkout', '--quiet', 'main');
    }
  } finally {
    await world.close();
  }
  const total = median(opus);
  const command = median(bare);
  const share = (total - command) / total;
  console.log(`preview: pull-request webhook → success status (${rounds} rounds, build "${COMMAND}" in node:20, median)`);
  console.log(`  opus server, webhook to success     ${total.toFixed(0)} ms   (each: ${opus.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`  of which the build record (clone → run → publish)  ${median(builds).toFixed(0)} ms`);
  console.log(`  bare docker run of the command      ${command.toFixed(0)} ms   (each: ${bare.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`  Opus's own overhead                 ${(total - command).toFixed(0)} ms = ${(share * 100).toFixed(0)}% of the total (${(total / command).toFixed(2)}x the bare run)`);
  console.log(JSON.stringify({ bench: 'previews', rounds, webhookToSuccessMs: total, buildRecordMs: median(builds), bareDockerRunMs: command, overheadMs: total - command, overheadShare: share }));
}

await main();
