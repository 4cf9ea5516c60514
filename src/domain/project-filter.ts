// `opus list [filter]`: a filter is a status ("failed", "out-of-sync") or a glob on project names
// ("web-*"); several, separated by commas, match when any one does.

export const SYNC_STATUSES = ['synced', 'building', 'failed', 'config error', 'out of sync', 'not deployed', 'sync failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface Filterable {
  name: string;
  status: string;
}

export type ProjectFilter = (project: Filterable) => boolean;

/** "out-of-sync", "out_of_sync" and "Out of sync" all name the status "out of sync". */
export function statusNamed(word: string): SyncStatus | undefined {
  const normal = word.trim().toLowerCase().replace(/[-_\s]+/g, ' ');
  return SYNC_STATUSES.find((s) => s === normal);
}

/** A glob with `*` (any run of characters) and `?` (one character), matched against the whole name. */
export function globMatcher(glob: string): (name: string) => boolean {
  const pattern = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${pattern}$`);
  return (name) => regex.test(name);
}

export function projectFilter(filter: string | undefined): ProjectFilter {
  const parts = (filter ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return () => true;
  const tests = parts.map((part): ProjectFilter => {
    const status = statusNamed(part);
    if (status) return (p) => p.status === status;
    const matches = globMatcher(part);
    return (p) => matches(p.name);
  });
  return (project) => tests.some((t) => t(project));
}
