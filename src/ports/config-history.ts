import type { FileRevision } from '../domain/deploy-history.js';

/** The git history of the config repo as the server knows it (its own clone). */
export interface ConfigHistory {
  /** Commits that touched `path`, newest first, at most `limit`, each with the file's deploy value. */
  fileHistory(path: string, limit: number): Promise<FileRevision[]>;
}
