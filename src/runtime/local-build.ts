// `opus trigger <project> <version> <file-store>`: one build in Docker straight into an artifact
// tree, no server (for CI pipelines). The project is read from the config repo's working copy.
import Docker from 'dockerode';
import { useFallbackDockerHost } from './docker-host.js';
import { DockerBuildRunner } from '../adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../adapters/fs/fs-artifact-store.js';
import { readConfigFiles } from '../adapters/git/git-config-source.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { requestedVersionProblem } from '../domain/builds.js';
import { desiredStateOf, formatProblem, projectFilePath, SETTINGS_FILE, type ProjectSpec } from '../domain/desired-state.js';
import { UserError } from '../domain/errors.js';
import { resolveVersion } from '../domain/versions.js';
import type { BuildRecord } from '../ports/artifact-store.js';
import type { SourceRepos } from '../ports/git-sources.js';
import { readSecret } from '../adapters/secrets/read-secret.js';
import { BuildService } from '../services/build-service.js';
import { followLog } from '../services/log-follow.js';
import { silentLogger } from '../services/logger.js';

export interface LocalBuildOptions {
  configDir: string;
  storeDir: string;
  project: string;
  version: string;
  force: boolean;
  /** Receives the build log as it is written. */
  onLog: (text: string) => void;
  signal?: AbortSignal;
}

export type LocalBuildResult =
  | { status: 'built'; version: string; versionDir: string }
  | { status: BuildRecord['status']; version: string; versionDir: string; logPath: string; record: BuildRecord };

export async function buildLocally(options: LocalBuildOptions): Promise<LocalBuildResult> {
  const spec = await readProject(options.configDir, options.project);
  const sources = new GitSourceRepos();
  const version = await resolveTag(sources, spec, options.version);
  const store = new FsArtifactStore(options.storeDir);
  const versionDir = store.versionDir(spec.name, version);
  if (!options.force && (await store.listBuilt(spec.name)).some((b) => b.version === version)) return { status: 'built', version, versionDir };
  useFallbackDockerHost((message) => options.onLog(`opus: ${message}\n`));
  const builds = new BuildService(store, sources, new DockerBuildRunner(new Docker()), silentLogger, undefined, readSecret);
  const logPath = store.logPath(spec.name, version);
  await store.logs.removeLog(spec.name, version);
  let done = false;
  const following = followLog((offset, max) => store.logs.readLog(spec.name, version, offset, max), { isDone: () => done, onText: options.onLog, intervalMs: 100 });
  const record = await builds.build(spec, version, options.signal).finally(() => {
    done = true;
  });
  await following;
  return { status: record.status, version, versionDir, logPath, record };
}

async function readProject(configDir: string, name: string): Promise<ProjectSpec> {
  const files = await readConfigFiles(configDir);
  const desired = desiredStateOf(files);
  const spec = desired.projects.find((p) => p.name === name);
  if (spec && !desired.settingsBroken) return spec;
  const problems = desired.problems.filter((p) => p.file === projectFilePath(name) || p.file === SETTINGS_FILE);
  if (problems.length > 0) throw new UserError(`the project "${name}" is invalid in ${configDir}:\n${problems.map(formatProblem).join('\n')}`, ['fix it, then check with opus validate']);
  throw new UserError(`no project "${name}" in the config repo at ${configDir}`, ['pass --config <config repo>, or add it with opus add']);
}

async function resolveTag(sources: SourceRepos, spec: ProjectSpec, requested: string): Promise<string> {
  const problem = requestedVersionProblem(requested);
  if (problem) throw new UserError(problem);
  const tags = await sources.listTags(spec.source);
  const version = resolveVersion(requested, tags.keys());
  if (!version) throw new UserError(`${spec.source} has no semver tag yet, so "latest" names no version`);
  if (!tags.has(version)) throw new UserError(`${spec.source} has no tag "${version}"`, ['list its tags with: git ls-remote --tags ' + spec.source]);
  return version;
}
