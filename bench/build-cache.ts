// Measures the per-project build cache: a small real Vite app (npm install + vite build) built with
// the real DockerBuildRunner twice in a row on a fresh cache volume, then once more with
// `build.cache: false` as a control. Prints each build's time and the second/first ratio.
// Needs DOCKER_HOST, the local image node:20, and the npm registry through the host's network.
//   npm run bench:build-cache
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { cacheVolumeName } from '../src/adapters/docker/build-cache.js';
import { DEFAULT_SANDBOX } from '../src/domain/build-limits.js';
import { DockerBuildRunner } from '../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../src/adapters/fs/fs-artifact-store.js';
import { GitSourceRepos } from '../src/adapters/git/git-source-repos.js';
import { readDesiredState, type ProjectSpec } from '../src/domain/desired-state.js';
import { BuildService } from '../src/services/build-service.js';
import { silentLogger } from '../src/services/logger.js';
import { makeSourceRepo } from '../test/support/fixtures.js';

const VITE_APP = (version: string): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'bench-app', private: true, version, type: 'module', scripts: { build: 'vite build' }, devDependencies: { vite: '^5.4.0' } }, null, 2),
  'vite.config.js': "export default { base: './' };\n",
  'index.html': '<!doctype html><html><head><title>bench</title></head><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>\n',
  'src/main.js': `document.querySelector('#app').textContent = 'bench app ${version}';\n`,
});

// --prefer-offline: what is in the cache is used without asking the registry again (no lockfile here).
const COMMAND = 'npm install --prefer-offline --no-audit --no-fund --loglevel=error && npm run build';

function spec(name: string, source: string, cache: boolean): ProjectSpec {
  const text = `source: ${source}\nbuild:\n  image: node:20\n  command: ${JSON.stringify(COMMAND)}\n  output: dist\n  network: host\n  timeout: 10m\n${cache ? '' : '  cache: false\n'}`;
  const desired = readDesiredState({ path: 'opus.yaml', text: '' }, [{ path: `projects/${name}.yaml`, text }]);
  const project = desired.projects[0];
  if (!project) throw new Error(`bad bench project: ${JSON.stringify(desired.problems)}`);
  return project;
}

async function timedBuild(builds: BuildService, store: FsArtifactStore, project: ProjectSpec, version: string): Promise<number> {
  const started = performance.now();
  const record = await builds.build(project, version);
  const seconds = (performance.now() - started) / 1000;
  if (record.status !== 'succeeded') {
    const log = (await readFile(store.logPath(project.name, version), 'utf8')).split('\n').filter((l) => !l.startsWith('npm error   ')).slice(0, 25).join('\n');
    throw new Error(`${project.name}@${version} ${record.status}: ${record.error ?? ''}\n${log}`);
  }
  return seconds;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'opus-bench-cache-'));
  const docker = new Docker();
  const name = `bench-cache-${randomUUID().slice(0, 8)}`;
  try {
    const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': VITE_APP('1.0.0'), '1.0.1': VITE_APP('1.0.1'), '1.0.2': VITE_APP('1.0.2') });
    const store = new FsArtifactStore(join(dir, 'artifacts'));
    const builds = new BuildService(store, new GitSourceRepos(), new DockerBuildRunner(docker), silentLogger);
    const first = await timedBuild(builds, store, spec(name, source, true), '1.0.0');
    const second = await timedBuild(builds, store, spec(name, source, true), '1.0.1');
    const control = await timedBuild(builds, store, spec(name, source, false), '1.0.2');
    const ratio = second / first;
    console.log(`build cache (${COMMAND}, vite app, node:20, network host)`);
    console.log(`  first build, empty cache     ${first.toFixed(1)} s`);
    console.log(`  second build, warm cache     ${second.toFixed(1)} s`);
    console.log(`  control, build.cache: false  ${control.toFixed(1)} s`);
    console.log(`  second / first               ${ratio.toFixed(2)} (${Math.round((1 - ratio) * 100)}% faster)`);
    console.log(JSON.stringify({ bench: 'build-cache', firstSeconds: first, secondSeconds: second, controlSeconds: control, ratio }));
  } finally {
    await docker.getVolume(cacheVolumeName(name, undefined, DEFAULT_SANDBOX.user)).remove({ force: true }).catch(() => undefined); // no owner: the bench's runner has none
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
