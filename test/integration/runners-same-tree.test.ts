// The two build runners behind one port: the same source at the same tag, built once in a real
// Docker container and once as a Job (Kubernetes API stand-in; its kubelet stand-in runs the
// Job's containers as local processes, not in their images), gives the same artifact tree and
// the same archive contents.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import Docker from 'dockerode';
import * as tar from 'tar';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import { KubernetesJobRunner, kubeJobsApi } from '../../src/adapters/k8s/kubernetes-job-runner.js';
import { readDesiredState } from '../../src/domain/desired-state.js';
import type { BuildRunner } from '../../src/ports/build-runner.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { cleanDocker } from '../support/build-server.js';
import { makeSourceRepo, tempDir } from '../support/fixtures.js';
import { startKubeStandIns } from '../support/kubelet-stand-in.js';

if (!process.env.DOCKER_HOST && existsSync('/run/opus-docker/docker.sock')) process.env.DOCKER_HOST = 'unix:///run/opus-docker/docker.sock';

/** Every file under dir with its content, by relative path. */
async function tree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dir.length + 1)] = (await readFile(join(entry.parentPath, entry.name))).toString('base64');
  }
  return files;
}

async function archiveListing(store: FsArtifactStore, project: string, version: string): Promise<string[]> {
  const entries: string[] = [];
  const archive = await store.openArchive(project, version);
  assert.ok(archive, `${project}@${version} has an archive`);
  await pipeline(archive.stream, tar.t({ onReadEntry: (entry) => void (entry.type === 'File' && entries.push(entry.path.replace(/^\.\//, ''))) }));
  return entries.sort();
}

test('the Job runner and the Docker runner build the same artifact tree from the same source and tag (Kubernetes API stand-in, real Docker)', { timeout: 120_000 }, async (t) => {
  const project = `same-tree-${randomUUID().slice(0, 8)}`;
  t.after(() => cleanDocker(project));
  const dir = await tempDir(t, 'opus-same-tree-');
  const source = await makeSourceRepo(join(dir, 'source'), {
    '1.0.0': { 'public/index.html': '<h1>same</h1>\n', 'public/assets/app-Ab12Cd34.js': 'console.log("same");\n'.repeat(300), 'public/docs/guide/index.html': 'guide\n', 'public/empty.txt': '' },
  });
  // The command leaves more than the output behind, and writes into the output from the environment: only dist/ counts.
  const command = 'mkdir -p dist && cp -r public/. dist/ && echo "$OPUS_PROJECT@$OPUS_VERSION" > dist/version.txt && echo scratch > not-output.txt';
  const { projects, problems } = readDesiredState({ path: 'opus.yaml', text: '' }, [{ path: `projects/${project}.yaml`, text: `source: ${source}\nbuild:\n  image: node:20\n  command: ${JSON.stringify(command)}\n  output: dist\n` }]);
  assert.deepEqual(problems, []);
  const spec = projects[0];
  assert.ok(spec);

  const { kubelet, transfers, kc } = await startKubeStandIns(t, dir);

  const runners: Record<string, BuildRunner> = {
    docker: new DockerBuildRunner(new Docker()),
    job: new KubernetesJobRunner({ api: kubeJobsApi(kc, 'opus'), namespace: 'opus', helperImage: 'ghcr.io/opus/opus:test', transfers, pollMs: 100 }),
  };
  const built: Record<string, { files: Record<string, string>; archive: string[]; commit?: string }> = {};
  for (const [name, runner] of Object.entries(runners)) {
    const store = new FsArtifactStore(join(dir, `artifacts-${name}`));
    const record = await new BuildService(store, new GitSourceRepos(), runner, silentLogger).build(spec, '1.0.0');
    assert.equal(record.status, 'succeeded', `${name}: ${record.error ?? ''}`);
    built[name] = { files: await tree(store.versionDir(project, '1.0.0')), archive: await archiveListing(store, project, '1.0.0'), ...(record.commit ? { commit: record.commit } : {}) };
  }
  assert.equal(kubelet.jobs.length, 1, 'one build ran as a Job');
  const { docker, job } = built as Record<'docker' | 'job', (typeof built)[string]>;
  assert.deepEqual(Object.keys(docker.files).sort(), ['assets/app-Ab12Cd34.js', 'docs/guide/index.html', 'empty.txt', 'index.html', 'version.txt']);
  assert.equal(Buffer.from(docker.files['version.txt'] ?? '', 'base64').toString(), `${project}@1.0.0\n`);
  assert.deepEqual(job.files, docker.files, 'the same files with the same bytes');
  assert.deepEqual(job.archive, docker.archive, 'the same archive listing');
  assert.deepEqual(job.archive, Object.keys(docker.files).sort());
  assert.equal(job.commit, docker.commit, 'built from the same commit');
});
