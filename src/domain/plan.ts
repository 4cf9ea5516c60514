// The sync plan: desired state + actual state → the actions that bring one to the other.
// Pure: every fact it needs (time included) comes in as an argument.
import type { BuildSpec, DesiredState, ProjectSpec, SiteOptions } from './desired-state.js';
import { buildKey, isPreviewVersion } from './names.js';

export interface BuiltVersion {
  version: string;
  builtAt: number;
}

export interface LiveSite {
  version: string;
  domains: string[];
  site?: SiteOptions;
}

export interface FailedBuild {
  attempts: number;
  failedAt: number;
  /** The build settings it failed with: a change to them is worth a new try at once. */
  settings: string;
  /** Cancelled by a user: not retried until triggered again or its settings change. */
  cancelled?: boolean;
  /** The build engine did not answer: retried after ENGINE_RETRY_MS whatever the attempts (the server also syncs when it is back). */
  unavailable?: boolean;
}

export const ENGINE_RETRY_MS = 15_000;

export interface ActualState {
  built: Record<string, BuiltVersion[]>;
  live: Record<string, LiveSite>;
  failed: Record<string, FailedBuild>;
  /** project@version keys queued or running. */
  inFlight: Set<string>;
}

/** The desired version of each project after `latest` is resolved; an error when it could not be. */
export type ResolvedVersions = Record<string, { version?: string; error?: string }>;

export type Action =
  | { kind: 'build'; project: ProjectSpec; version: string }
  | { kind: 'switch'; project: string; version: string; domains: string[]; site: SiteOptions; from?: string }
  | { kind: 'unpublish'; project: string; version: string }
  | { kind: 'prune'; project: string; version: string };

export interface Plan {
  actions: Action[];
  /** Why a desired version is not being built now (failed recently, could not resolve). */
  waiting: Record<string, string>;
}

const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 6 * 3_600_000;

/** Failed builds are retried with exponential backoff, never in a hot loop. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

export function buildSettingsKey(source: string, build: BuildSpec): string {
  return JSON.stringify({ source, ...build, env: Object.entries(build.env).sort() });
}

export function plan(desired: DesiredState, actual: ActualState, resolved: ResolvedVersions, now: number): Plan {
  const actions: Action[] = [];
  const waiting: Record<string, string> = {};
  if (desired.settingsBroken) return { actions, waiting };

  const configured = new Set(desired.projects.map((p) => p.name));
  for (const project of desired.projects) {
    const live = actual.live[project.name]?.version;
    const { version, error } = resolved[project.name] ?? { version: project.deploy };
    if (error) {
      waiting[project.name] = error;
      continue;
    }
    if (version === undefined) {
      if (live) actions.push({ kind: 'unpublish', project: project.name, version: live });
      continue;
    }
    const built = actual.built[project.name] ?? [];
    const key = buildKey(project.name, version);
    if (built.some((b) => b.version === version)) {
      const current = actual.live[project.name];
      if (live !== version || JSON.stringify([current?.domains, current?.site]) !== JSON.stringify([project.domains, project.site])) {
        actions.push({ kind: 'switch', project: project.name, version, domains: project.domains, site: project.site, ...(live && live !== version ? { from: live } : {}) });
      }
    } else if (!actual.inFlight.has(key)) {
      const failed = actual.failed[key];
      const settings = buildSettingsKey(project.source, project.build);
      if (failed?.cancelled && failed.settings === settings) {
        waiting[project.name] = `the build of ${version} was cancelled; trigger it to build it (opus trigger ${project.name} ${version})`;
      } else if (failed && failed.settings === settings && now < failed.failedAt + (failed.unavailable ? ENGINE_RETRY_MS : retryDelayMs(failed.attempts))) {
        const next = new Date(failed.failedAt + (failed.unavailable ? ENGINE_RETRY_MS : retryDelayMs(failed.attempts))).toISOString();
        waiting[project.name] = failed.unavailable ? `the build engine did not answer; ${version} is built again once it does (next try after ${next})` : `build of ${version} failed; next try after ${next} (or trigger it)`;
      } else {
        actions.push({ kind: 'build', project, version });
      }
    }
    const keepAlso = new Set([version, live].filter((v): v is string => v !== undefined));
    actions.push(...pruneActions(project.name, built, keepAlso, project.keep, actual.inFlight));
  }

  // A project whose file is gone stops being served; one whose file is broken is left alone.
  for (const [name, { version }] of Object.entries(actual.live)) {
    if (!configured.has(name) && !desired.brokenProjects.includes(name)) actions.push({ kind: 'unpublish', project: name, version });
  }
  // ...and its built versions go with it (`opus remove`): nothing of a removed project stays on disk.
  for (const [name, built] of Object.entries(actual.built)) {
    if (!configured.has(name) && !desired.brokenProjects.includes(name)) actions.push(...pruneActions(name, built, new Set(), 0, actual.inFlight));
  }
  return { actions, waiting };
}

function pruneActions(project: string, built: BuiltVersion[], keepAlso: Set<string>, keep: number, inFlight: Set<string>): Action[] {
  const candidates = built
    // Previews have their own cap and removal (previews/preview-plan.ts); retention counts releases only.
    .filter((b) => !isPreviewVersion(b.version) && !keepAlso.has(b.version) && !inFlight.has(buildKey(project, b.version)))
    .sort((a, b) => b.builtAt - a.builtAt || b.version.localeCompare(a.version));
  return candidates.slice(keep).map((b) => ({ kind: 'prune' as const, project, version: b.version }));
}

