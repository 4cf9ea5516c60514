// `--wait` of deploy, rollback, add --deploy and trigger: ask the server to sync now, follow the
// build it starts, and end with the URL that serves the result (or why not, and a non-zero exit).
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { UserError } from '../domain/errors.js';
import type { ProjectStatus } from '../services/project-status.js';
import type { SyncReport } from '../services/sync-service.js';
import { ApiClient, EXIT, serverFlags } from './api-client.js';
import { followBuildLog } from './follow-build.js';
import { noteOnInterrupt } from './interrupt-note.js';

export const waitFlags = {
  ...serverFlags,
  wait: Flags.boolean({ default: false, description: 'Ask the server (--server) to sync now, follow the build, and end with the URL that serves it; exit 1 if it fails' }),
};

export type ServerSync = SyncReport & { config?: string };

const POLL_MS = 300;
/** A sync whose project is still "out of sync" after this long is asked for again (a build may have just ended). */
const RESYNC_MS = 10_000;

export interface WaitOptions {
  project: string;
  /** The commit the command made and the config repo it made it in: the server must have synced exactly that. */
  commit?: string;
  configDir?: string;
  /** Progress (the build log) goes here; stderr with --json. */
  write: (text: string) => void;
  timeoutMs?: number;
}

/** Syncs the server; resolves with the project once its desired version is live. */
export function waitLive(client: ApiClient, options: WaitOptions): Promise<ProjectStatus> {
  const made = options.commit ? `the commit ${options.commit.slice(0, 12)} stays in ${options.configDir ?? 'the config repo'} and ` : '';
  const note = `stopped waiting; nothing is undone: ${made}the server goes on building and switches once the build succeeds.\nlook again: opus status ${options.project}, or wait again: opus sync ${options.project} --wait`;
  return noteOnInterrupt(note, () => waitUntilLive(client, options));
}

async function waitUntilLive(client: ApiClient, options: WaitOptions): Promise<ProjectStatus> {
  const { project, write } = options;
  const report = await serverSync(client, options);
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  let lastSync = Date.now();
  for (;;) {
    const status = await client.get<ProjectStatus>(`/projects/${encodeURIComponent(project)}`);
    const id = `${project}@${status.desired ?? '?'}`;
    switch (status.status) {
      case 'synced':
        return status;
      case 'failed':
      case 'config error':
        throw new UserError(`${id} did not go live: ${status.reason ?? status.status}`, [`see the build log: opus logs ${project}${status.desired ? ` ${status.desired}` : ''}`, `${status.live ? `${status.live} keeps being served` : 'nothing is served meanwhile'}`], EXIT.failed);
      case 'not deployed':
        throw new UserError(`${project} has no deploy: version in the config repo the server synced (${report.commit?.slice(0, 12) ?? '?'}): nothing to wait for`, [`deploy one: opus deploy ${project} <tag> --wait`], EXIT.badInput);
      case 'building': {
        const outcome = await followBuildLog(client, id, write);
        if (outcome.status !== 'succeeded') continue; // the project's status says why (failed, cancelled)
        break;
      }
      default:
        if (status.reason && /cancelled/.test(status.reason)) throw new UserError(`${id} did not go live: ${status.reason}`, [], EXIT.failed);
    }
    if (Date.now() > deadline) throw new UserError(`${id} is not live after ${Math.round((options.timeoutMs ?? 1_800_000) / 60_000)} min (${status.status}${status.reason ? `: ${status.reason}` : ''})`, [`look again with: opus status ${project}`], EXIT.failed);
    if (Date.now() - lastSync > RESYNC_MS) {
      lastSync = Date.now();
      await client.post('/sync');
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

/** POST /sync, checked: the server must read the config repo (and the commit) this command wrote. */
export async function serverSync(client: ApiClient, options: Pick<WaitOptions, 'commit' | 'configDir'> = {}): Promise<ServerSync> {
  const report = await client.post<ServerSync>('/sync');
  if (report.error) throw new UserError(`the server at ${client.server} could not sync its config repo: ${report.error}`, [], EXIT.failed);
  const { commit, configDir } = options;
  if (commit && report.commit !== commit) {
    const elsewhere = configDir && report.config && !sameRepo(report.config, configDir);
    throw new UserError(
      elsewhere
        ? `the server at ${client.server} syncs the config repo ${report.config}, not ${configDir} where this commit was made: it will not deploy it`
        : `the server at ${client.server} synced config commit ${report.commit?.slice(0, 12) ?? '(none)'}, not ${commit.slice(0, 12)} that this command made${report.config ? ` (it reads ${report.config})` : ''}`,
      elsewhere
        ? [`edit the server's config repo: --config ${report.config} (or OPUS_CONFIG)`, `or start the server on this one: opus server --config ${configDir}`]
        : ['was the commit pushed? (--no-push keeps it local; the server reads the remote)'],
      EXIT.failed,
    );
  }
  return report;
}

export function sameRepo(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(resolve(path));
    } catch {
      return resolve(path);
    }
  };
  return a === b || (!/^[a-z][a-z0-9+.-]*:/i.test(a) && real(a) === real(b));
}

/** The line `--wait` ends with. */
export function liveLine(project: ProjectStatus): string {
  return `${project.name}@${project.live} is live at ${project.urls.site}`;
}
