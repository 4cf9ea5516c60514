// Which work a push causes: a push to the config repo syncs; a tag pushed to a project's source
// builds it ahead of deploy for projects with `prebuild: true`, and may change what `deploy: latest`
// means. Pure: the projects and the config repo's address come in as arguments.
import type { ProjectSpec } from './desired-state.js';
import { tagVersionProblem } from './names.js';
import { normalizeRepoUrl } from './repo-url.js';
import type { PushEvent } from './webhook-payload.js';

export interface PushRoute {
  /** The push was to the config repo. */
  config: boolean;
  /** The normalized address of the pushed repository: pushes to one repository are coalesced under it. */
  repo: string;
  /** Projects built from the pushed repository. */
  projects: string[];
  /** Projects that build the pushed tag now (`prebuild: true`, a new tag that can be a version). */
  prebuild: string[];
  /** Projects on `deploy: latest` whose newest tag may have changed (a tag was pushed or deleted). */
  latest: string[];
}

export function routePush(push: PushEvent, configRepo: string | undefined, projects: Pick<ProjectSpec, 'name' | 'source' | 'deploy' | 'prebuild'>[]): PushRoute {
  const pushed = new Set(push.repoUrls.map(normalizeRepoUrl));
  const config = configRepo !== undefined && pushed.has(normalizeRepoUrl(configRepo));
  const matching = projects.filter((p) => pushed.has(normalizeRepoUrl(p.source)));
  const tag = push.tag;
  const prebuild = tag && !push.deleted && tagVersionProblem(tag) === undefined ? matching.filter((p) => p.prebuild === true) : [];
  const latest = tag ? matching.filter((p) => p.deploy === 'latest') : [];
  return {
    config,
    repo: normalizeRepoUrl(push.repoUrls[0] ?? ''),
    projects: matching.map((p) => p.name),
    prebuild: prebuild.map((p) => p.name),
    latest: latest.map((p) => p.name),
  };
}
