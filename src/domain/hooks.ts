// Outgoing hooks: which hook gets which event, and the JSON body every receiver gets. Pure.
import type { EventName, OpusEvent } from './events.js';
import type { HookFormat } from './hook-format.js';
import type { SecretRef } from './schema.js';
import { EMBEDDED_ORIGINS, type Origins } from './origins.js';
import { previewUrl, siteAddress, siteUrl } from './urls.js';

/** A hook of opus.yaml as the server uses it. */
export interface HookSpec {
  /** Names the hook's outbox and is shown by the API and CLI: its `name`, else derived from its URL. */
  id: string;
  name?: string;
  url: string;
  /** Event names, or "*" for every event. */
  events: (EventName | '*')[];
  /** The key that signs each delivery; read on the server when a delivery is sent. Optional for chat formats. */
  secret?: SecretRef;
  /** The body's format: Opus's own (default), or a chat's incoming-webhook format. */
  format?: HookFormat;
}

export { hookId } from './hook-id.js';

export function hookWants(hook: Pick<HookSpec, 'events'>, event: EventName): boolean {
  return hook.events.includes('*') || hook.events.includes(event);
}

/** The documented body of every delivery (README "Outgoing events"): every key always present, null when unknown. */
export interface HookPayload {
  /** The event's id: the same for every hook that gets this event. */
  id: string;
  event: EventName;
  at: string;
  project: string | null;
  version: string | null;
  commit: string | null;
  previousVersion: string | null;
  configCommit: string | null;
  message: string | null;
  durationMs: number | null;
  /** The host name of a certificate event. */
  domain: string | null;
  problems: { file: string; path: string; message: string; line?: number }[] | null;
  /** preview.* events: which preview (pr-<n> or a branch's label) and its URL. */
  preview: NonNullable<OpusEvent['preview']> | null;
  urls: { site: string | null; preview: string | null; build: string | null };
}

/** `publicUrl` is where users reach the server, e.g. https://opus.example.com (no trailing slash needed). */
export function hookPayload(id: string, facts: OpusEvent, publicUrl: string, origins: Pick<Origins, 'sitesDomain' | 'pathHosts'> = EMBEDDED_ORIGINS): HookPayload {
  const base = publicUrl.replace(/\/+$/, '');
  const { project, version } = facts;
  return {
    id,
    event: facts.event,
    at: facts.at,
    project: project ?? null,
    version: version ?? null,
    commit: facts.commit ?? null,
    previousVersion: facts.previousVersion ?? null,
    configCommit: facts.configCommit ?? null,
    message: facts.message ?? null,
    durationMs: facts.durationMs ?? null,
    domain: facts.domain ?? null,
    problems: facts.problems ?? null,
    preview: facts.preview ?? null,
    urls: {
      site: project ? siteUrl(siteAddress(base, origins), project) : null,
      preview: facts.preview?.url ?? (project && version ? (previewUrl(siteAddress(base, origins), project, version) ?? null) : null),
      build: project && version ? `${base}/api/v1/builds/${project}@${encodeURIComponent(version)}` : null,
    },
  };
}
