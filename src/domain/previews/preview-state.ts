// The previews of a project as Opus keeps them: one per open pull request (`pr-<n>`) or previewed
// branch (its DNS label), each following the newest head that built, with the versions it built
// (their `<sha7>` URLs keep serving while it lives). Pure types and the host-label resolver.
import { isPreviewVersion } from '../names.js';
import type { WebhookProvider } from '../webhook-payload.js';

export type PreviewStatus = 'pending' | 'ready' | 'failed';

export interface Preview {
  project: string;
  /** The host label of its alias: `pr-<n>` or the branch's label. */
  alias: string;
  kind: 'pr' | 'branch';
  number?: number;
  branch?: string;
  provider: WebhookProvider;
  /** A ref of the project's source that points at the head (refs/pull/<n>/head, refs/heads/<branch>). */
  fetchRef: string;
  /** The newest head asked for. */
  commit: string;
  status: PreviewStatus;
  /** The version the alias serves: the newest head that built. */
  served?: string;
  /** Versions this preview built or is building, newest first. */
  versions: string[];
  error?: string;
  author?: string;
  url?: string;
  createdAt: string;
  updatedAt: string;
}

/** What a preview host label names: a preview's alias, or a commit by its first 7 to 12 hex digits. */
export function resolvePreviewLabel(label: string, previews: readonly Preview[], builtVersions: readonly string[]): string | undefined {
  // pr-<n> first (no branch can take a pull request's alias), then a commit, then a branch.
  const pr = /^pr-\d+$/.test(label) ? previews.find((p) => p.kind === 'pr' && p.alias === label) : undefined;
  if (pr) return pr.served;
  if (/^[0-9a-f]{7,12}$/.test(label)) {
    const matches = builtVersions.filter((v) => isPreviewVersion(v) && v.slice(4).startsWith(label));
    if (matches.length === 1) return matches[0];
  }
  return previews.find((p) => p.kind === 'branch' && p.alias === label)?.served;
}

/** `pr-3--site`-style label of a commit: its first 7 hex digits. */
export function commitLabel(commit: string): string {
  return commit.toLowerCase().slice(0, 7);
}
