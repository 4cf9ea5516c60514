// What a pull-request or branch event does to a project's previews: which commit to build (once:
// a commit built already is only pointed at), which previews and versions go (closed, over the
// cap oldest first, or old heads beyond what a preview keeps), and why a pull request is not
// built (a fork, an author without write access and no label). Never a version that is not a
// preview's, nor one production serves or wants. Pure: time and the built versions come in.
import type { ProjectSpec } from '../desired-state.js';
import { isPreviewVersion, previewVersion } from '../names.js';
import type { WebhookProvider } from '../webhook-payload.js';
import type { PreviewSpec } from './preview-config.js';
import type { PullRequestEvent } from './pull-request-event.js';
import type { Preview } from './preview-state.js';

/** Heads a preview keeps built (their <sha7> URLs keep serving); older ones are removed. */
export const HEADS_KEPT = 5;

export type PreviewRequest =
  | { kind: 'open'; alias: string; type: 'pr' | 'branch'; number?: number; branch?: string; commit: string; fetchRef: string; provider: WebhookProvider; author?: string; url?: string }
  | { kind: 'close'; alias: string };

export interface PreviewFacts {
  project: string;
  /** Versions of the project that exist now. */
  built: ReadonlySet<string>;
  /** Versions production serves or wants (the live one, the desired one): never removed. */
  production: ReadonlySet<string>;
  now: number;
}

export interface PreviewDecision {
  previews: Preview[];
  /** The head to build, when it is not built yet. */
  build?: { version: string; commit: string; fetchRef: string };
  /** The preview the request made or moved. */
  touched?: Preview;
  /** Previews that are gone (closed, or over the cap). */
  removed: Preview[];
  /** Versions to delete from the artifact tree. */
  removeVersions: string[];
}

/** Whether a pull request may be built, or why not (shown in the status). */
export function pullRequestGate(spec: PreviewSpec, event: PullRequestEvent): { allowed: true } | { allowed: false; reason: string } {
  if (!spec.pullRequests) return { allowed: false, reason: 'previews of pull requests are off (previews.pullRequests: false)' };
  if (event.fork && !spec.forks) return { allowed: false, reason: 'pull requests from forks are not built (previews.forks: false)' };
  if (!event.writeAccess && !event.labels.includes(spec.label)) {
    return { allowed: false, reason: `${event.author || 'the author'} cannot write to the repository: a maintainer adds the label "${spec.label}" to build it` };
  }
  return { allowed: true };
}

export function pullRequestAlias(number: number): string {
  return `pr-${number}`;
}

export function planPreview(previews: readonly Preview[], request: PreviewRequest, spec: Pick<PreviewSpec, 'max'>, facts: PreviewFacts): PreviewDecision {
  const existing = previews.find((p) => p.alias === request.alias);
  if (request.kind === 'close') {
    const rest = previews.filter((p) => p !== existing);
    return { previews: rest, removed: existing ? [existing] : [], removeVersions: existing ? unreferenced(existing.versions, rest, facts) : [] };
  }
  const version = previewVersion(request.commit);
  const at = new Date(facts.now).toISOString();
  const built = facts.built.has(version);
  const history = [version, ...(existing?.versions ?? []).filter((v) => v !== version)];
  const touched: Preview = {
    project: facts.project,
    alias: request.alias,
    kind: request.type,
    ...(request.number === undefined ? {} : { number: request.number }),
    ...(request.branch === undefined ? {} : { branch: request.branch }),
    provider: request.provider,
    fetchRef: request.fetchRef,
    commit: request.commit,
    status: built ? 'ready' : 'pending',
    ...(built ? { served: version } : existing?.served ? { served: existing.served } : {}),
    versions: history.slice(0, HEADS_KEPT),
    ...(request.author ? { author: request.author } : {}),
    ...(request.url ? { url: request.url } : {}),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  const others = previews.filter((p) => p !== existing);
  // Over the cap: the previews updated longest ago go, never the one asked for now.
  const overCap = Math.max(0, others.length + 1 - spec.max);
  const byAge = [...others].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  const removed = byAge.slice(0, overCap);
  const kept = [...others.filter((p) => !removed.includes(p)), touched];
  const dropped = [...history.slice(HEADS_KEPT).filter((v) => v !== touched.served), ...removed.flatMap((p) => p.versions)];
  return {
    previews: kept,
    ...(built ? {} : { build: { version, commit: request.commit, fetchRef: request.fetchRef } }),
    touched,
    removed,
    removeVersions: unreferenced(dropped, kept, facts),
  };
}

/** A build of `version` ended: the previews whose head it is are ready (their alias moves to it) or failed. */
export function previewBuilt(previews: readonly Preview[], version: string, succeeded: boolean, error: string | undefined, now: number): { previews: Preview[]; changed: Preview[] } {
  const changed: Preview[] = [];
  const next = previews.map((p) => {
    if (previewVersion(p.commit) !== version) return p;
    const { error: _old, ...rest } = p;
    const updated: Preview = succeeded
      ? { ...rest, status: 'ready', served: version, updatedAt: new Date(now).toISOString() }
      : { ...rest, status: 'failed', error: error ?? 'the build failed', updatedAt: new Date(now).toISOString() };
    changed.push(updated);
    return updated;
  });
  return { previews: next, changed };
}

function unreferenced(versions: readonly string[], remaining: readonly Preview[], facts: PreviewFacts): string[] {
  const referenced = new Set(remaining.flatMap((p) => [...p.versions, ...(p.served ? [p.served] : [])]));
  return [...new Set(versions)].filter((v) => isPreviewVersion(v) && !referenced.has(v) && !facts.production.has(v) && facts.built.has(v));
}

/**
 * A preview's build: its head by ref, build.env under previews.env, and as build.secrets the
 * preview's own (production's too only with previews.productionSecrets), which the build reads
 * and masks as usual, or (a Kubernetes Secret) a Job build's pod takes by secretKeyRef.
 */
export function previewBuildSpec(spec: ProjectSpec, previews: PreviewSpec, checkout: { ref: string; commit: string }): ProjectSpec {
  const { secrets: production, ...build } = spec.build;
  const secrets = { ...(previews.productionSecrets ? production : {}), ...previews.secrets };
  return { ...spec, build: { ...build, env: { ...spec.build.env, ...previews.env }, ...(Object.keys(secrets).length ? { secrets } : {}) }, checkout };
}
