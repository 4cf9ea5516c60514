// What `opus init/add/remove/deploy/rollback` do to the config repo: check the input against the
// desired state and the source repo first, then make one commit with a clear message.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { desiredStateOf, formatProblem, projectFilePath, SETTINGS_FILE, type Network, type ProjectSpec } from '../domain/desired-state.js';
import { UserError } from '../domain/errors.js';
import { projectNameProblem, tagVersionProblem } from '../domain/names.js';
import type { ConfigChange } from '../domain/pull-request.js';
import { deployMessage, isRollbackSubject, rollbackMessage, rollbackTarget } from '../domain/rollback.js';
import { jsonSchemas } from '../domain/schema.js';
import { isLatest, resolveVersion } from '../domain/versions.js';
import { setTopLevelKey } from '../domain/yaml-edit.js';
import type { CommitResult, ConfigRepoWorkspace, FileChange } from '../ports/config-workspace.js';
import type { SourceRepos } from '../ports/git-sources.js';
import type { PullRequestFlow } from './pull-request-flow.js';

export interface EditResult extends Partial<CommitResult> {
  message: string;
  changed: boolean;
  /** With --pr: the branch that holds the commit and the pull request opened for it. */
  pullRequest?: { number: number; url: string; branch: string; base: string };
}

export interface NewProject {
  name: string;
  source: string;
  image: string;
  command: string;
  output?: string;
  deploy?: string;
  domains?: string[];
  network?: Network;
  env?: Record<string, string>;
}

const SCHEMA_DIR = '.opus/schema';

export function initialFiles(): FileChange[] {
  const schemas = jsonSchemas();
  return [
    {
      path: SETTINGS_FILE,
      content: `# yaml-language-server: $schema=${SCHEMA_DIR}/opus.schema.json
# Opus settings shared by all projects. Every key is optional; these are the defaults.
builds:
  concurrency: 2     # builds that run at once
  timeout: 15m       # a build is killed after this long
  memory: 2g         # memory limit of a build container
retention:
  keep: 10           # built versions kept per project, besides the live one
sync:
  interval: 60s      # how often the config repo is fetched
`,
    },
    { path: 'projects/.gitkeep', content: '' },
    { path: `${SCHEMA_DIR}/opus.schema.json`, content: `${JSON.stringify(schemas.settings, null, 2)}\n` },
    { path: `${SCHEMA_DIR}/project.schema.json`, content: `${JSON.stringify(schemas.project, null, 2)}\n` },
  ];
}

/** Each edit first brings the working copy up to date (or refuses), then reads, checks and commits. */
export class ConfigEdits {
  constructor(
    private readonly workspace: ConfigRepoWorkspace,
    private readonly sources: SourceRepos,
    private readonly push: boolean,
    /** When set, each change goes to a new branch and a pull request instead of the current branch. */
    private readonly pullRequest?: PullRequestFlow,
  ) {}

  async add(input: NewProject): Promise<EditResult> {
    const problem = projectNameProblem(input.name);
    if (problem) throw new UserError(problem);
    await this.workspace.prepare();
    const path = projectFilePath(input.name);
    if (this.workspace.exists(path)) throw new UserError(`project "${input.name}" already exists (${path})`, [`edit ${path}, or run opus remove ${input.name} first`]);
    const source = looksLikeLocalPath(input.source) ? resolve(input.source) : input.source;
    const tags = await this.sources.listTags(source);
    if (input.deploy) this.checkVersion(input.name, source, input.deploy, tags);
    const document = {
      source,
      ...(input.deploy ? { deploy: input.deploy } : {}),
      build: {
        image: input.image,
        command: input.command,
        output: input.output ?? 'dist',
        ...(input.network ? { network: input.network } : {}),
        ...(input.env ? { env: input.env } : {}),
      },
      ...(input.domains?.length ? { domains: input.domains } : {}),
    };
    const text = `# yaml-language-server: $schema=../${SCHEMA_DIR}/project.schema.json\n${yaml.dump(document, { lineWidth: -1 })}`;
    await this.checkValid(path, text);
    const resolved = isLatest(input.deploy) ? resolveVersion(input.deploy, tags.keys()) : undefined;
    const change: ConfigChange = { kind: 'add', project: input.name, source, image: input.image, command: input.command, output: document.build.output, ...(input.deploy ? { deploy: input.deploy } : {}), ...(resolved ? { resolved } : {}) };
    return this.commit([{ path, content: text }], `add project ${input.name}${input.deploy ? ` at ${input.deploy}` : ''}`, change);
  }

  async remove(name: string): Promise<EditResult> {
    await this.workspace.prepare();
    const project = await this.project(name);
    const change: ConfigChange = { kind: 'remove', project: name, ...(project.deploy ? { deployed: project.deploy } : {}) };
    return this.commit([{ path: projectFilePath(name), content: null }], `remove project ${name}`, change);
  }

  async deploy(name: string, version: string): Promise<EditResult> {
    await this.workspace.prepare();
    const project = await this.project(name);
    const tags = await this.sources.listTags(project.source);
    this.checkVersion(name, project.source, version, tags);
    if (project.deploy === version) return { message: `${name} is already deployed at ${version}; nothing to commit`, changed: false };
    const resolved = isLatest(version) ? resolveVersion(version, tags.keys()) : undefined;
    return this.setDeploy(project, version, deployMessage(name, version, project.deploy, resolved), resolved);
  }

  async rollback(name: string, to?: string): Promise<EditResult> {
    await this.workspace.prepare();
    const project = await this.project(name);
    const target = to ?? rollbackTarget(await this.workspace.history(project.file, readDeploy), project.deploy);
    if (!target) {
      throw new UserError(`no earlier deployed version of ${name} in the history of ${project.file}`, [`pick one with: opus rollback ${name} --to <version>`]);
    }
    if (to) this.checkVersion(name, project.source, to, await this.sources.listTags(project.source));
    if (target === project.deploy) return { message: `${name} is already deployed at ${target}; nothing to commit`, changed: false };
    return this.setDeploy(project, target, rollbackMessage(name, target, project.deploy));
  }

  private async setDeploy(project: ProjectSpec, version: string, message: string, resolved?: string): Promise<EditResult> {
    const text = setTopLevelKey(await this.workspace.read(project.file), 'deploy', version, 'source');
    await this.checkValid(project.file, text);
    const kind = isRollbackSubject(message) ? 'rollback' : 'deploy';
    const change: ConfigChange = { kind, project: project.name, source: project.source, to: version, ...(project.deploy ? { from: project.deploy } : {}), ...(resolved ? { resolved } : {}) };
    return this.commit([{ path: project.file, content: text }], message, change);
  }

  /** The project as the config repo has it now; its file must be valid to be edited safely. */
  private async project(name: string): Promise<ProjectSpec> {
    const state = await this.state();
    const project = state.projects.find((p) => p.name === name);
    if (project) return project;
    const problems = state.problems.filter((p) => p.file === projectFilePath(name));
    if (problems.length > 0) throw new UserError(`${projectFilePath(name)} is invalid:\n${problems.map(formatProblem).join('\n')}`, ['fix the file first (opus validate lists every problem)']);
    const known = state.projects.map((p) => p.name);
    throw new UserError(`unknown project "${name}"`, [known.length ? `known projects: ${known.join(', ')}` : 'add one with: opus add <name> <source> …'], 4);
  }

  private checkVersion(name: string, source: string, version: string, tags: Map<string, string>): void {
    if (isLatest(version)) {
      if (!resolveVersion(version, tags.keys())) throw new UserError(`${source} has no semver tag for "latest" to resolve to`, ['push a tag such as 1.0.0 to the source, or deploy a tag by name']);
      return;
    }
    const problem = tagVersionProblem(version);
    if (problem) throw new UserError(problem);
    if (!tags.has(version)) {
      const recent = [...tags.keys()].slice(-5).join(', ');
      throw new UserError(`the source of ${name} (${source}) has no tag "${version}"`, [recent ? `its tags include: ${recent}` : 'it has no tags yet: create and push one, e.g. git tag 1.0.0 && git push --tags']);
    }
  }

  private async state(extra?: { path: string; text: string }) {
    const files = await this.workspace.files();
    const projectFiles = files.projectFiles.filter((f) => f.path !== extra?.path).concat(extra ? [extra] : []);
    return desiredStateOf({ ...files, projectFiles });
  }

  private async checkValid(path: string, text: string): Promise<void> {
    const problems = (await this.state({ path, text })).problems.filter((p) => p.file === path);
    if (problems.length > 0) throw new UserError(`the change would make ${path} invalid:\n${problems.map(formatProblem).join('\n')}`);
  }

  private async commit(changes: FileChange[], message: string, change: ConfigChange): Promise<EditResult> {
    if (this.pullRequest) return { ...(await this.pullRequest.submit(changes, message, change)), message, changed: true };
    const result = await this.workspace.commit(changes, message, this.push);
    return { ...result, message, changed: true };
  }
}

function readDeploy(text: string): string | undefined {
  try {
    const data = yaml.load(text) as { deploy?: unknown } | null;
    return typeof data?.deploy === 'string' ? data.deploy : undefined;
  } catch {
    return undefined;
  }
}

function looksLikeLocalPath(source: string): boolean {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^/]+:/.test(source);
  return !isUrl && (isAbsolute(source) || source.startsWith('.') || existsSync(source));
}
