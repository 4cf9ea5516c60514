// A pull request on the config repo, read as the desired state it would make: every problem (with
// its file and line), and each project whose `deploy:` it changes, with the version that merging
// would put live. Pure: the files at the head and production's desired state come in.
import { formatProblem, type ConfigProblem, type DesiredState, type ProjectSpec } from '../desired-state.js';
import { lineOfPath } from '../yaml-lines.js';
import { previewHostLabel } from '../urls.js';
import type { CommitStatus } from './preview-report.js';

/** Statuses about the files themselves go under this context; each project's under opus/<project>. */
export const CONFIG_CONTEXT = 'opus/config';
/** The marker of the config pull request's comment: "@" is in no project name. */
export const CONFIG_MARKER = '<!-- opus-preview:@config -->';

export interface ConfigDeploy {
  project: ProjectSpec;
  /** The version merging deploys (`latest` as it is resolved now). */
  version: string;
  /** What production deploys now, if anything. */
  from?: string;
}

export function configProblems(state: DesiredState, files: readonly { path: string; text: string }[]): ConfigProblem[] {
  return state.problems.map((p) => {
    if (p.line !== undefined) return p;
    const text = files.find((f) => f.path === p.file)?.text;
    const line = text === undefined ? undefined : lineOfPath(text, p.path);
    return line === undefined ? p : { ...p, line };
  });
}

/** Projects whose deploy the pull request changes (a new project with a deploy too). */
export function changedDeploys(state: DesiredState, production: DesiredState | undefined): { project: ProjectSpec; deploy: string; from?: string }[] {
  return state.projects.flatMap((project) => {
    const before = production?.projects.find((p) => p.name === project.name)?.deploy;
    if (project.deploy === undefined || project.deploy === before) return [];
    return [{ project, deploy: project.deploy, ...(before ? { from: before } : {}) }];
  });
}

export function problemsStatus(problems: readonly ConfigProblem[], targetUrl: string): CommitStatus {
  if (problems.length === 0) return { state: 'success', targetUrl, description: 'The config repo is valid', context: CONFIG_CONTEXT };
  const first = formatProblem(problems[0] as ConfigProblem);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  const description = `${first}${more}`;
  return { state: 'failure', targetUrl, description: description.length <= 140 ? description : `${description.slice(0, 139)}…`, context: CONFIG_CONTEXT };
}

export interface ConfigRow {
  project: string;
  version: string;
  from?: string;
  state: 'pending' | 'success' | 'failure';
  url: string;
  error?: string;
}

export function configCommentBody(problems: readonly ConfigProblem[], rows: readonly ConfigRow[], commit: string): string {
  const lines = [CONFIG_MARKER, '### Opus: what merging deploys', '', `At \`${commit.slice(0, 12)}\` of this pull request.`, ''];
  if (problems.length > 0) lines.push('**The config repo has problems; merging changes nothing for these files:**', '', ...problems.map((p) => `- \`${formatProblem(p).replace(/`/g, "'")}\``), '');
  if (rows.length > 0) {
    lines.push('| project | deploys | status | |', '|---|---|---|---|');
    for (const row of rows) {
      const state = row.state === 'pending' ? '⏳ building' : row.state === 'success' ? '✅ built' : `❌ failed: ${(row.error ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|')}`;
      lines.push(`| ${row.project} | ${row.from ? `${row.from} → ` : ''}**${row.version}** | ${state} | ${row.url} |`);
    }
  } else if (problems.length === 0) lines.push('No project\'s `deploy:` changes.');
  return `${lines.join('\n')}\n`;
}

/** Where a built tag version of a project is seen: its preview host, else its path. */
export function versionUrl(publicUrl: string, previewDomain: string | undefined, project: string, version: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  const label = previewHostLabel(version);
  if (!previewDomain || !label) return `${base}/${project}@${encodeURIComponent(version)}/`;
  const origin = new URL(base);
  return `${origin.protocol}//${label}--${project}.${previewDomain}${origin.port ? `:${origin.port}` : ''}/`;
}
