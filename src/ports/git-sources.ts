import type { ConfigFiles } from '../domain/desired-state.js';

/** Reading the apps' source repositories. */
export interface SourceRepos {
  /** Tag name → commit. Throws a UserError when the source cannot be reached. */
  listTags(source: string): Promise<Map<string, string>>;
  /** Checks out `tag` into `dir` (without .git); returns the commit. */
  checkout(source: string, tag: string, dir: string): Promise<string>;
  /** Checks out `commit` into `dir` (without .git), fetched by `ref` (e.g. refs/pull/3/head); fails when the ref moved past it. */
  checkoutCommit(source: string, ref: string, commit: string, dir: string): Promise<string>;
}

export interface ConfigSnapshot extends ConfigFiles {
  commit: string;
  /** Subject of the commit, e.g. "rollback site to 1.0.0 (was 1.1.0)". */
  subject?: string;
}

/** The config repo as the server sees it: the committed state of its remote. */
export interface ConfigSource {
  fetch(): Promise<ConfigSnapshot>;
}
