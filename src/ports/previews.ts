// What previews need outside the process: where their state is kept, and the forge they report to.
import type { ConfigFiles } from '../domain/desired-state.js';
import type { ForgeRepo } from '../domain/previews/forge-repo.js';
import type { CommitStatus } from '../domain/previews/preview-report.js';
import type { Preview } from '../domain/previews/preview-state.js';

/** Every project's previews, kept across restarts. */
export interface PreviewLedger {
  read(): Promise<Preview[]>;
  write(previews: Preview[]): Promise<void>;
}

/** Commit statuses and the one marked comment per pull request, on GitHub, Gitea or GitLab. */
export interface ForgeReporter {
  setStatus(repo: ForgeRepo, commit: string, status: CommitStatus): Promise<void>;
  /** Updates the comment that starts with `marker` in place, or adds it. */
  upsertComment(repo: ForgeRepo, number: number, marker: string, body: string): Promise<void>;
}

/** The config repo's files at a commit of a pull request (fetched by a ref that points at it). */
export interface ConfigAtRef {
  read(ref: string, commit: string): Promise<ConfigFiles>;
}
