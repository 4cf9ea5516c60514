// Reads the config repo's files (already loaded as text) into the desired state, collecting every
// problem at once with its file and path, so one broken file never hides another.
import yaml from 'js-yaml';
import type { z } from 'zod';
import { projectNameProblem, tagVersionProblem } from './names.js';
import { lineOfPath } from './yaml-lines.js';
import { keysAt, unknownKeysMessage } from './key-suggestion.js';
import { hstsRule, type HeaderRule } from './header-rules.js';
import { toPreviewSpec, type PreviewSpec } from './previews/preview-config.js';
import { hookId, type HookSpec } from './hooks.js';
import type { RedirectRule } from './redirects.js';
import { projectSchema, settingsSchema, type BuildSecretRef, type ProjectFile, type SecretRef, type SettingsFile } from './schema.js';
import { kubernetesSecretProblem } from './build-secrets.js';
import { DEFAULT_BUILD_LIMITS, DEFAULT_SANDBOX, limitsFrom, type BuildLimits, type SandboxSettings } from './build-limits.js';
import { durationMs, sizeBytes } from './units.js';

export const SETTINGS_FILE = 'opus.yaml';
export const PROJECTS_DIR = 'projects';

export interface ConfigProblem {
  file: string;
  /** Dotted path inside the file ("build.image"), empty for the whole file. */
  path: string;
  message: string;
  line?: number;
}

export type Network = 'default' | 'host' | 'none';
export type BuildRunnerKind = 'docker' | 'kubernetes';

export interface BuildSpec {
  image: string;
  command: string;
  output: string;
  env: Record<string, string>;
  network: Network;
  timeoutMs: number;
  memoryBytes: number;
  /** Keep a package cache between builds (a Docker volume per project); absent means yes. */
  cache?: boolean;
  /** What the build may leave behind; absent means DEFAULT_BUILD_LIMITS. */
  limits?: BuildLimits;
  /** CPUs, pids and user of the build container; absent means DEFAULT_SANDBOX. */
  sandbox?: SandboxSettings;
  /** Environment variables read from secrets of the server when the build starts (never their values here). */
  secrets?: Record<string, BuildSecretRef>;
}

/** How a project's site is served, whichever version is live. */
export interface SiteOptions {
  spa: boolean;
  redirects: RedirectRule[];
  headers: HeaderRule[];
  auth?: { username: string; passwordHash: SecretRef };
}

export interface ProjectSpec {
  name: string;
  file: string;
  source: string;
  /** A tag, `latest`, or undefined when nothing is deployed. */
  deploy?: string;
  build: BuildSpec;
  /** Build every tag pushed to the source ahead of deploy; absent means no. */
  prebuild?: boolean;
  domains: string[];
  keep: number;
  site: SiteOptions;
  /** Previews of pull requests and branches; absent means none. */
  previews?: PreviewSpec;
  /** Only on the spec of a preview build: the commit to check out (by a ref that points at it) instead of a tag. */
  checkout?: { ref: string; commit: string };
}

export interface Settings {
  concurrency: number;
  syncIntervalMs: number;
  keep: number;
  previewDomain?: string;
  defaults: { timeoutMs: number; memoryBytes: number; network: Network; limits: BuildLimits; sandbox: SandboxSettings };
  /** Where builds run; absent means the Docker Engine. */
  runner?: BuildRunnerKind;
  /** Outgoing hooks; absent when opus.yaml has none. */
  hooks?: HookSpec[];
  /** ACME settings of opus.yaml (flags and env win). */
  tls?: { email?: string; directory?: string; onDemand?: boolean };
}

export interface DesiredState {
  settings: Settings;
  projects: ProjectSpec[];
  problems: ConfigProblem[];
  /** Projects whose file is broken: they keep whatever they serve now. */
  brokenProjects: string[];
  /** True when opus.yaml itself is broken: then nothing at all is changed. */
  settingsBroken: boolean;
}

export interface ConfigFile {
  path: string;
  text: string;
}

/** A config repo's files as text: opus.yaml (absent when the repo has none) and projects/*. */
export interface ConfigFiles {
  settingsText?: string;
  projectFiles: ConfigFile[];
}

export const DEFAULT_SETTINGS: Settings = {
  concurrency: 2,
  syncIntervalMs: 60_000,
  keep: 10,
  defaults: { timeoutMs: 15 * 60_000, memoryBytes: 2 * 1024 ** 3, network: 'default', limits: DEFAULT_BUILD_LIMITS, sandbox: DEFAULT_SANDBOX },
};

/** The desired state of a config repo's files: the one way from what was read to what is wanted. */
export function desiredStateOf(files: ConfigFiles): DesiredState {
  return readDesiredState(files.settingsText === undefined ? undefined : { path: SETTINGS_FILE, text: files.settingsText }, files.projectFiles);
}

export function readDesiredState(settingsFile: ConfigFile | undefined, projectFiles: ConfigFile[]): DesiredState {
  const problems: ConfigProblem[] = [];
  let settings = DEFAULT_SETTINGS;
  let settingsBroken = false;
  if (!settingsFile) {
    problems.push({ file: SETTINGS_FILE, path: '', message: 'missing: every config repo has an opus.yaml (run `opus init`)' });
    settingsBroken = true;
  } else {
    const parsed = parseFile(settingsFile, settingsSchema, problems, true);
    if (parsed === undefined) settingsBroken = true;
    else settings = toSettings(parsed);
  }

  const projects: ProjectSpec[] = [];
  const brokenProjects: string[] = [];
  for (const file of [...projectFiles].sort((a, b) => a.path.localeCompare(b.path))) {
    const name = projectNameOf(file.path);
    const before = problems.length;
    if (!file.path.endsWith('.yaml')) {
      problems.push({ file: file.path, path: '', message: 'project files end in .yaml: rename it to ' + file.path.replace(/\.[^./]*$/, '') + '.yaml' });
      // A misnamed file (site.yml) is a broken file of that project: it keeps serving, not unpublished.
      if (!projectNameProblem(name) && !projectFiles.some((f) => f.path === projectFilePath(name))) brokenProjects.push(name);
      continue;
    }
    const nameProblem = projectNameProblem(name);
    if (nameProblem) problems.push({ file: file.path, path: '', message: `${nameProblem} (the file name is the project name)` });
    const parsed = parseFile(file, projectSchema, problems, false);
    if (parsed === undefined || problems.length > before) {
      if (!nameProblem) brokenProjects.push(name);
      continue;
    }
    const deployProblem = parsed.deploy === undefined || parsed.deploy === 'latest' ? undefined : tagVersionProblem(parsed.deploy);
    if (deployProblem) {
      const line = lineOfPath(file.text, 'deploy');
      problems.push({ file: file.path, path: 'deploy', message: `${deployProblem}, or "latest"`, ...(line ? { line } : {}) });
      brokenProjects.push(name);
      continue;
    }
    // Preview builds take previews.secrets as their build.secrets: the same runner reads both.
    const kubeSecret = kubernetesSecretProblem(parsed.build.secrets, settings.runner, 'build.secrets') ?? kubernetesSecretProblem(parsed.previews?.secrets, settings.runner, 'previews.secrets');
    if (kubeSecret) {
      const line = lineOfPath(file.text, kubeSecret.path);
      problems.push({ file: file.path, path: kubeSecret.path, message: kubeSecret.message, ...(line ? { line } : {}) });
      brokenProjects.push(name);
      continue;
    }
    projects.push(toProject(name, file.path, parsed, settings));
  }
  checkDomainsAreUnique(projects, problems, brokenProjects);
  return { settings, projects: projects.filter((p) => !brokenProjects.includes(p.name)), problems, brokenProjects, settingsBroken };
}

export function projectFilePath(name: string): string {
  return `${PROJECTS_DIR}/${name}.yaml`;
}

function projectNameOf(path: string): string {
  return path.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
}

function parseFile<S extends z.ZodType>(file: ConfigFile, schema: S, problems: ConfigProblem[], emptyIsObject: boolean): z.infer<S> | undefined {
  let data: unknown;
  try {
    data = yaml.load(file.text, { filename: file.path });
  } catch (error) {
    const mark = (error as { mark?: { line: number }; reason?: string }).mark;
    const reason = (error as { reason?: string }).reason ?? String(error);
    problems.push({ file: file.path, path: '', message: `not valid YAML: ${reason}`, ...(mark ? { line: mark.line + 1 } : {}) });
    return undefined;
  }
  if (data === undefined || data === null) data = emptyIsObject ? {} : data;
  // reportInput: without it zod leaves `input` out of every issue, so a wrong type would read as a missing key.
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    // An unknown key is pointed at where it is written, not at its parent.
    const at = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...issue.path, issue.keys[0]] : issue.path;
    const line = lineOfPath(file.text, at.map(String).join('.'));
    problems.push({ file: file.path, path: issue.path.map(String).join('.'), message: describeIssue(issue, schema), ...(line ? { line } : {}) });
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): string {
  if (issue.code === 'unrecognized_keys') return unknownKeysMessage(issue.keys, keysAt(schema, issue.path));
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required: add it (${issue.expected})`;
  return issue.message;
}

function toSettings(file: SettingsFile): Settings {
  const d = DEFAULT_SETTINGS;
  return {
    concurrency: file.builds?.concurrency ?? d.concurrency,
    syncIntervalMs: file.sync?.interval === undefined ? d.syncIntervalMs : durationMs(file.sync.interval),
    keep: file.retention?.keep ?? d.keep,
    ...(file.previews ? { previewDomain: file.previews.domain } : {}),
    ...(file.builds?.runner ? { runner: file.builds.runner } : {}),
    ...(file.tls ? { tls: file.tls } : {}),
    ...(file.hooks?.length ? { hooks: file.hooks.map((h) => ({ id: hookId(h), ...(h.name ? { name: h.name } : {}), url: h.url, events: h.events, ...(h.secret ? { secret: h.secret } : {}), ...(h.format && h.format !== 'opus' ? { format: h.format } : {}) })) } : {}),
    defaults: {
      timeoutMs: file.builds?.timeout === undefined ? d.defaults.timeoutMs : durationMs(file.builds.timeout),
      memoryBytes: file.builds?.memory === undefined ? d.defaults.memoryBytes : sizeBytes(file.builds.memory),
      network: file.builds?.network ?? d.defaults.network,
      limits: limitsFrom(yamlLimits(file.builds?.limits), d.defaults.limits),
      sandbox: {
        cpus: file.builds?.cpus ?? d.defaults.sandbox.cpus,
        pids: file.builds?.pids ?? d.defaults.sandbox.pids,
        user: file.builds?.user ?? d.defaults.sandbox.user,
      },
    },
  };
}

function toProject(name: string, file: string, parsed: ProjectFile, settings: Settings): ProjectSpec {
  const b = parsed.build;
  return {
    name,
    file,
    source: parsed.source,
    ...(parsed.deploy === undefined ? {} : { deploy: parsed.deploy }),
    build: {
      image: b.image,
      command: b.command,
      output: (b.output ?? 'dist').replace(/\/+$/, ''),
      env: b.env ?? {},
      network: b.network ?? settings.defaults.network,
      timeoutMs: b.timeout === undefined ? settings.defaults.timeoutMs : durationMs(b.timeout),
      memoryBytes: b.memory === undefined ? settings.defaults.memoryBytes : sizeBytes(b.memory),
      ...(b.cache === false ? { cache: false } : {}),
      limits: limitsFrom(yamlLimits(b.limits), settings.defaults.limits),
      sandbox: { cpus: b.cpus ?? settings.defaults.sandbox.cpus, pids: b.pids ?? settings.defaults.sandbox.pids, user: b.user ?? settings.defaults.sandbox.user },
      ...(b.secrets && Object.keys(b.secrets).length > 0 ? { secrets: b.secrets } : {}),
    },
    ...(parsed.prebuild ? { prebuild: true } : {}),
    domains: parsed.domains ?? [],
    keep: parsed.retention?.keep ?? settings.keep,
    ...(parsed.previews ? { previews: toPreviewSpec(parsed.previews) } : {}),
    site: {
      spa: parsed.spa ?? false,
      redirects: (parsed.redirects ?? []).map((r) => ({ from: r.from, to: r.to, status: r.status ?? 301, force: r.force ?? false })),
      headers: [...hstsRules(parsed.hsts), ...(parsed.headers ?? [])],
      ...(parsed.auth ? { auth: parsed.auth } : {}),
    },
  };
}

function hstsRules(hsts: ProjectFile['hsts']): HeaderRule[] {
  const rule = hstsRule(typeof hsts === 'object' ? { ...hsts, ...(hsts.maxAge === undefined ? {} : { maxAgeMs: durationMs(hsts.maxAge) }) } : hsts);
  return rule ? [rule] : [];
}

/** `limits:` of a YAML file with its sizes in bytes. */
function yamlLimits(limits: { output?: number | string; files?: number; file?: number | string; log?: number | string; disk?: number | string } | undefined) {
  if (!limits) return undefined;
  return {
    ...(limits.output === undefined ? {} : { output: sizeBytes(limits.output) }),
    ...(limits.files === undefined ? {} : { files: limits.files }),
    ...(limits.file === undefined ? {} : { file: sizeBytes(limits.file) }),
    ...(limits.log === undefined ? {} : { log: sizeBytes(limits.log) }),
    ...(limits.disk === undefined ? {} : { disk: sizeBytes(limits.disk) }),
  };
}

function checkDomainsAreUnique(projects: ProjectSpec[], problems: ConfigProblem[], broken: string[]): void {
  const owner = new Map<string, string>();
  for (const project of projects) {
    project.domains.forEach((domain, index) => {
      const first = owner.get(domain);
      if (first === undefined) return void owner.set(domain, project.name);
      problems.push({ file: project.file, path: `domains.${index}`, message: `"${domain}" is already a domain of project "${first}"` });
      if (!broken.includes(project.name)) broken.push(project.name);
    });
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}${p.line ? `:${p.line}` : ''}${p.path ? ` ${p.path}` : ''}`;
  return `${where}: ${p.message}`;
}
