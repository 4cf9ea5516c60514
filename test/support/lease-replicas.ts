// Two or more `opus server` processes (bin/run.js, as the CLI starts them, as pods would) on one
// shared store (the S3 stand-in, which logs who made each request by the SDK's app id) and the
// Kubernetes Lease (the API stand-in, short timings through OPUS_LEASE_DURATION=3: renew deadline
// 2 s, retry 0.4 s), with a source whose 2.0.0 builds slowly and clients that load its pages.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanDocker, projectYaml } from './build-server.js';
import { eventually, gitSync, makeSourceRepo, opusBin, tempDir, writeFiles } from './fixtures.js';
import { startKubeApiStandIn, type KubeApiStandIn } from './kube-api-stand-in.js';
import { localFetch, siteOrigin } from './local-fetch.js';
import { freePort } from './free-port.js';
import { startS3StandIn, type S3StandIn } from './s3-stand-in.js';

if (!process.env.DOCKER_HOST && existsSync('/run/opus-docker/docker.sock')) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

/** Debian's libfaketime (scripts/tls-tools.sh installs it). */
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

export const TOKEN = 'lease-loss-test-token';
export const RENEW_DEADLINE_MS = 2_000;
/** What a loaded machine may add: timers firing late, a container's kill, a request in flight. */
export const SLACK_MS = 1_500;
/** Two files with the same build id: a version served with files of two builds would show two. */
const BUILD = 'if [ -f slow ]; then sleep 8; fi; mkdir -p dist && cp -r public/. dist/ && id=$(cat /proc/sys/kernel/random/uuid) && echo $id > dist/id-a.txt && echo $id > dist/id-b.txt';

export interface Replica { name: string; url: string; child: ChildProcess; log: string[] }

/** `clock`: the process's wall clock is shifted by this much (libfaketime's offset, e.g. "+30s"), as on a node with a wrong NTP. */
export async function startReplica(t: TestContext, name: string, { dir, configDir, api, s3, store }: World, extra: string[] = [], clock?: string): Promise<Replica> {
  const port = await freePort();
  const log: string[] = [];
  const env = {
    ...process.env,
    KUBECONFIG: await api.kubeconfigAs(name),
    POD_NAMESPACE: 'opus', POD_NAME: name, POD_IP: '127.0.0.1', OPUS_IMAGE: 'opus:test', OPUS_TRANSFER_HOST: '127.0.0.1', OPUS_TRANSFER_PORT: '0',
    OPUS_LEASE: 'opus-sync', OPUS_LEASE_DURATION: '3',
    OPUS_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_SDK_UA_APP_ID: name,
    OPUS_API_TOKEN: TOKEN,
  };
  const args = [opusBin, 'server', '--config', configDir, '--data-dir', join(dir, name), '--port', String(port), '--host', '127.0.0.1', '--store', store, '--sync-interval', '1h', '--log-format', 'json', ...extra];
  // libfaketime preloaded into the server itself (not the faketime wrapper, which would stand between a kill and it);
  // a wrong NTP steps the wall clock, not the monotonic one.
  const skew = clock ? { LD_PRELOAD: FAKETIME_LIB, FAKETIME: clock, DONT_FAKE_MONOTONIC: '1' } : {};
  const child = spawn(process.execPath, args, { env: { ...env, ...skew }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(() => fetch(`${url}/readyz`).then((r) => (r.ok ? true : undefined), () => undefined), 60_000, `${name} ready: ${log.join('').slice(-2000)}`);
  return { name, url, child, log };
}

export const ALLOWED = { '/': ['v1\n', 'v2\n'], '/static/app.js': ['app v1\n', 'app v2\n'] };

export const holder = (api: KubeApiStandIn) => (api.get('coordination.k8s.io/v1', 'Lease', 'opus-sync', 'opus')?.spec as { holderIdentity?: string; leaseTransitions?: number } | undefined);

export interface World { dir: string; configDir: string; api: KubeApiStandIn; s3: S3StandIn; store: string; project: string; source: string }

/** The stand-ins, a source with 1.0.0 and a slow-to-build 2.0.0, and a config repo deploying 1.0.0. */
export async function startWorld(t: TestContext): Promise<World> {
  const project = `lease-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-lease-loss-');
  const api = await startKubeApiStandIn(dir);
  t.after(() => api.close());
  const s3 = await startS3StandIn();
  t.after(() => s3.close());
  const store = `s3://${s3.bucket}/lease-${randomUUID().slice(0, 8)}`;
  const source = await makeSourceRepo(join(dir, 'app'), {
    '1.0.0': { 'public/index.html': 'v1\n', 'public/static/app.js': 'app v1\n' },
    '2.0.0': { 'public/index.html': 'v2\n', 'public/static/app.js': 'app v2\n', slow: '' },
  });
  const configDir = join(dir, 'config');
  await writeFiles(configDir, { 'opus.yaml': 'sync:\n  interval: 1h\n', [`projects/${project}.yaml`]: projectYaml(source, { deploy: '1.0.0', command: BUILD }) });
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  return { dir, configDir, api, s3, store, project, source };
}

export const deploy = async (world: World, version: string) => {
  await writeFiles(world.configDir, { [`projects/${world.project}.yaml`]: projectYaml(world.source, { deploy: version, command: BUILD }) });
  gitSync(world.configDir, 'commit', '--quiet', '-am', `deploy ${version}`);
};

export const serves = (r: Replica, project: string, body: string) => eventually(() => localFetch(`${siteOrigin(r.url, project)}/`).then((res) => res.text()).then((text) => (text === body ? true : undefined)), 90_000, `${body.trim()} on ${r.name}: ${r.log.join('').slice(-1500)}`);

/** Clients asking the replicas (those `pick` gives: all, or the ready ones) for the page and its script until stopped; each answer must be one of `allowed`. */
export function load(pick: () => Replica[], project: string, allowed: Record<string, string[]>) {
  let stop = false;
  const failures: string[] = [];
  let requests = 0;
  const client = async (i: number) => {
    for (let n = i; !stop; n += 1) {
      const replicas = pick();
      const replica = replicas[n % Math.max(1, replicas.length)];
      if (!replica) {
        failures.push('no replica to ask');
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const path = n % 2 === 0 ? '/' : '/static/app.js';
      requests += 1;
      const answer = await localFetch(`${siteOrigin(replica.url, project)}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }), (error: unknown) => ({ status: 0, body: String(error) }));
      if (answer.status !== 200 || !allowed[path]?.includes(answer.body)) failures.push(`${replica.name} ${path}: ${answer.status} ${answer.body.slice(0, 80)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const clients = Array.from({ length: 4 }, (_, i) => client(i));
  return { failures, count: () => requests, stop: async () => ((stop = true), await Promise.all(clients)) };
}
