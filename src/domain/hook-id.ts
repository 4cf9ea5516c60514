// A hook's id, apart from the rest of domain/hooks.ts so the schema can name hooks without
// importing what depends on the schema.
import { createHash } from 'node:crypto';

/** A hook's stable id: its name, or `url-` and 12 hex digits of the SHA-256 of its URL. */
export function hookId(hook: { name?: string | undefined; url: string }): string {
  return hook.name ?? `url-${createHash('sha256').update(hook.url).digest('hex').slice(0, 12)}`;
}
