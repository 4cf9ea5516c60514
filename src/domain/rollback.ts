// Finds where `opus rollback` goes, from the project file's history in the config repo.
export interface DeployRecord {
  commit: string;
  subject: string;
  /** The `deploy:` value at that commit, undefined when none or the file was deleted. */
  deploy?: string;
}

/** Commit subjects of rollbacks start like this; see rollbackMessage. */
export const ROLLBACK_PREFIX = 'rollback ';

/** Whether a config commit's subject is a rollback (of that project, when given): the one reading of rollbackMessage. */
export function isRollbackSubject(subject: string, project?: string): boolean {
  return subject.startsWith(project === undefined ? ROLLBACK_PREFIX : `${ROLLBACK_PREFIX}${project} `);
}

/**
 * Replays the history (oldest first) as a stack of deployed versions: a deploy pushes its version,
 * a rollback pops back to the version it went to. The target is the version under the top, so a
 * second rollback goes further back instead of undoing the first.
 */
export function deployStack(historyNewestFirst: DeployRecord[]): string[] {
  const stack: string[] = [];
  for (const record of [...historyNewestFirst].reverse()) {
    const version = record.deploy;
    if (version === undefined) continue;
    if (isRollbackSubject(record.subject) && stack.includes(version)) {
      while (stack.at(-1) !== version) stack.pop();
    } else if (stack.at(-1) !== version) {
      stack.push(version);
    }
  }
  return stack;
}

export function rollbackTarget(historyNewestFirst: DeployRecord[], current: string | undefined): string | undefined {
  const stack = deployStack(historyNewestFirst);
  if (current !== undefined && stack.at(-1) !== current) stack.push(current);
  return stack.at(-2);
}

/** `latest` says in the message which version it named then: `deploy site latest (1.2.0 now, was 1.1.0)`. */
export function deployMessage(project: string, version: string, previous: string | undefined, resolved?: string): string {
  const notes = [resolved ? `${resolved} now` : '', previous ? `was ${previous}` : ''].filter(Boolean).join(', ');
  return `deploy ${project} ${version}${notes ? ` (${notes})` : ''}`;
}

/** The version a `deploy … latest` commit named when it was made, from its subject; undefined for other subjects. */
export function resolvedInSubject(subject: string): string | undefined {
  return /^deploy \S+ latest \(([^,)\s]+) now\b/.exec(subject)?.[1];
}

export function rollbackMessage(project: string, version: string, previous: string | undefined): string {
  return `${ROLLBACK_PREFIX}${project} to ${version}${previous ? ` (was ${previous})` : ''}`;
}
