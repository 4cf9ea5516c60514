import type { ConfigFiles } from '../domain/desired-state.js';
import type { DeployRecord } from '../domain/rollback.js';

export interface FileChange {
  path: string;
  /** New content, or null to delete the file. */
  content: string | null;
}

export interface CommitResult {
  commit: string;
  pushed: boolean;
}

export interface PushTarget {
  remote: string;
  /** The branch commits go to (and pull requests into). */
  branch: string;
  url: string;
}

/** A working copy of the config repo that the CLI edits: every change is one commit. */
export interface ConfigRepoWorkspace {
  readonly dir: string;
  exists(path: string): boolean;
  read(path: string): Promise<string>;
  /** The config files of the working tree, as text. */
  files(): Promise<ConfigFiles>;
  /** Refuses uncommitted changes; fast-forwards a copy that is only behind, refuses a diverged one. */
  prepare(): Promise<void>;
  commit(changes: FileChange[], message: string, push: boolean): Promise<CommitResult>;
  /** The `deploy:` value of a file at each commit that touched it, newest first. */
  history(path: string, readDeploy: (text: string) => string | undefined): Promise<DeployRecord[]>;
  pushTarget(): Promise<PushTarget | undefined>;
  commitOnBranch(changes: FileChange[], message: string, wanted: string, target: PushTarget): Promise<CommitResult & { branch: string }>;
}
