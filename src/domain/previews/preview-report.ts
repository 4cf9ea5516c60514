// What Opus tells the git host about a preview: a commit status under one context per project
// ("opus/<project>") and one comment per pull request, found again by a hidden marker so nothing
// has to be stored to update it in place. Pure: the URLs come in as arguments.
import type { Preview } from './preview-state.js';

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  state: StatusState;
  /** Where the status links: the preview when it built, the live build log otherwise. */
  targetUrl: string;
  /** At most 140 characters, as GitHub allows. */
  description: string;
  context: string;
}

export interface PreviewLinks {
  /** The alias URL (pr-<n>--<project>…), following the newest build. */
  alias?: string;
  /** The commit's own URL (<sha7>--<project>…), which never changes. */
  commit?: string;
  /** The build's live log. */
  log: string;
}

export function statusContext(project: string): string {
  return `opus/${project}`;
}

export function previewMarker(project: string): string {
  return `<!-- opus-preview:${project} -->`;
}

/** The status of the preview's newest head. */
export function commitStatus(project: string, preview: Pick<Preview, 'status' | 'error'>, links: PreviewLinks): CommitStatus {
  const context = statusContext(project);
  if (preview.status === 'pending') return { state: 'pending', targetUrl: links.log, description: 'Building the preview…', context };
  if (preview.status === 'failed') return { state: 'failure', targetUrl: links.log, description: clip(`The build failed: ${preview.error ?? 'see the log'}`), context };
  return { state: 'success', targetUrl: links.commit ?? links.alias ?? links.log, description: 'The preview is ready', context };
}

/** The comment on the pull request, marked so it is found again. */
export function commentBody(project: string, preview: Pick<Preview, 'status' | 'commit' | 'error'>, links: PreviewLinks): string {
  const state = preview.status === 'pending' ? '⏳ building' : preview.status === 'failed' ? `❌ failed: ${oneLine(preview.error ?? 'see the log')}` : '✅ ready';
  const rows = [
    `| **${project}** | |`,
    '|---|---|',
    `| status | ${state} |`,
    `| commit | \`${preview.commit.slice(0, 12)}\` |`,
    ...(links.alias ? [`| preview | ${links.alias} |`] : []),
    ...(links.commit && preview.status === 'ready' ? [`| this commit | ${links.commit} |`] : []),
    `| build log | ${links.log} |`,
  ];
  return `${previewMarker(project)}\n### Opus preview\n\n${rows.join('\n')}\n`;
}

/** The comment once the pull request is closed: its preview is gone. */
export function closedCommentBody(project: string): string {
  return `${previewMarker(project)}\n### Opus preview\n\nThe pull request is closed: the preview of **${project}** was removed.\n`;
}

/** The comments that may be the one Opus wrote before (they start with `marker`), oldest first. */
export function markedComments<C extends { body?: unknown }>(comments: readonly C[], marker: string): C[] {
  return comments.filter((c) => typeof c.body === 'string' && c.body.startsWith(marker));
}

/** GitLab names the states differently and has no "error". */
export function gitlabState(state: StatusState): 'pending' | 'running' | 'success' | 'failed' {
  return state === 'pending' ? 'running' : state === 'success' ? 'success' : 'failed';
}

function clip(text: string): string {
  const line = oneLine(text);
  return line.length <= 140 ? line : `${line.slice(0, 139)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}
