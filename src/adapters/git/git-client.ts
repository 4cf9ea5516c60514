import { simpleGit, type SimpleGit } from 'simple-git';

// git must never wait on a password prompt in a server or a script: it fails instead, and the
// caller reports what to fix. (simple-git inherits this process's environment.)
process.env.GIT_TERMINAL_PROMPT = '0';

/** simple-git that gives up on a silent remote. */
export function git(baseDir?: string): SimpleGit {
  return simpleGit({ ...(baseDir ? { baseDir } : {}), timeout: { block: 120_000 } });
}
