// The deploy history of a project, from the git log of its file in the config repo: each commit
// that changed what the project serves becomes one from → to entry. Pure: git is read elsewhere.
import yaml from 'js-yaml';
import { isRollbackSubject, resolvedInSubject } from './rollback.js';

/** One commit that touched a project file, with the file's `deploy:` value at that commit. */
export interface FileRevision {
  commit: string;
  subject: string;
  author: string;
  email: string;
  /** ISO time of the commit. */
  date: string;
  /** False when the commit deleted the file. */
  exists: boolean;
  /** The `deploy:` value, undefined when the file has none (or was deleted, or could not be read). */
  deploy?: string;
}

export const DEPLOY_KINDS = ['add', 'deploy', 'rollback', 'undeploy', 'remove'] as const;
export type DeployKind = (typeof DEPLOY_KINDS)[number];

export interface DeployEntry {
  kind: DeployKind;
  commit: string;
  subject: string;
  author: string;
  email: string;
  date: string;
  /** What was deployed before this commit (absent for the first deploy). */
  from?: string;
  /** What is deployed after it (absent when it undeployed or removed the project). */
  to?: string;
}

/**
 * Newest first in, newest first out. A commit that leaves the deploy value as it was (a build
 * setting, a domain) is not a deploy and is left out; adding and removing the file always count.
 */
export function deployHistory(revisionsNewestFirst: FileRevision[]): DeployEntry[] {
  const entries: DeployEntry[] = [];
  let previous: FileRevision | undefined;
  for (const revision of [...revisionsNewestFirst].reverse()) {
    const kind = kindOf(previous, revision);
    if (kind) {
      const from = previous?.exists ? previous.deploy : undefined;
      const to = revision.exists ? revision.deploy : undefined;
      const { commit, subject, author, email, date } = revision;
      entries.push({ kind, commit, subject, author, email, date, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
    }
    previous = revision;
  }
  return entries.reverse();
}

function kindOf(previous: FileRevision | undefined, revision: FileRevision): DeployKind | undefined {
  const existed = previous?.exists ?? false;
  if (!revision.exists) return existed ? 'remove' : undefined;
  if (!existed) return 'add';
  if (previous?.deploy === revision.deploy) return undefined;
  if (revision.deploy === undefined) return 'undeploy';
  return isRollbackSubject(revision.subject) ? 'rollback' : 'deploy';
}

/** "deploy 1.0.0 → 1.1.0", for tables and the dashboard. */
export function describeEntry(entry: DeployEntry): string {
  switch (entry.kind) {
    case 'add':
      return entry.to ? `added at ${entry.to}` : 'added (not deployed)';
    case 'remove':
      return `removed${entry.from ? ` (was ${entry.from})` : ''}`;
    case 'undeploy':
      return `undeployed ${entry.from ?? ''}`.trim();
    default: {
      // `latest` with the version it named then, when the commit says (opus deploy writes it in the subject).
      const meant = entry.to === 'latest' ? resolvedInSubject(entry.subject) : undefined;
      return `${entry.kind} ${entry.from ?? '(none)'} → ${entry.to}${meant ? ` (${meant})` : ''}`;
    }
  }
}

/** The `deploy:` value of a project file's text; undefined when it has none or is not YAML. */
export function deployValueOf(text: string): string | undefined {
  try {
    const data = yaml.load(text) as { deploy?: unknown } | null;
    return typeof data?.deploy === 'string' ? data.deploy : typeof data?.deploy === 'number' ? String(data.deploy) : undefined;
  } catch {
    return undefined;
  }
}
