// Pull requests on the config repo (what `opus deploy --pr` opens): the files at the head are read
// as the desired state merging would make. Problems get a failing `opus/config` status naming file,
// line and problem; each project whose `deploy:` changes gets that version built (as merging would
// build it; nothing goes live) and an `opus/<project>` status with its URL, or its log when the
// build fails, so a required check blocks the merge. One marked comment sums it up.
import { SETTINGS_FILE, desiredStateOf } from '../../domain/desired-state.js';
import { errorMessage } from '../../domain/errors.js';
import { buildKey } from '../../domain/names.js';
import { CONFIG_MARKER, changedDeploys, configCommentBody, configProblems, problemsStatus, type ConfigRow } from '../../domain/previews/config-pull-request.js';
import { forgeRepoOf, type ForgeRepo } from '../../domain/previews/forge-repo.js';
import type { PullRequestEvent } from '../../domain/previews/pull-request-event.js';
import { statusContext, type CommitStatus } from '../../domain/previews/preview-report.js';
import { normalizeRepoUrl } from '../../domain/repo-url.js';
import { newestSemverTag } from '../../domain/versions.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';
import type { SourceRepos } from '../../ports/git-sources.js';
import type { ConfigAtRef } from '../../ports/previews.js';
import type { BuildScheduler } from '../build-scheduler.js';
import type { DesiredStateView } from '../desired-state-view.js';
import type { Logger } from '../logger.js';
import type { PreviewReporting } from './preview-reporting.js';

export interface ConfigPullRequestDeps {
  configRepo: string;
  configAtRef: ConfigAtRef;
  /** Production's desired state, which the pull request is compared with. */
  sync: Pick<DesiredStateView, 'desiredState'>;
  scheduler: BuildScheduler;
  store: Pick<ArtifactStore, 'listBuilt'>;
  sources: Pick<SourceRepos, 'listTags'>;
  reporting: PreviewReporting;
  logger: Logger;
}

export class ConfigPullRequests {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ConfigPullRequestDeps) {}

  /** Undefined when the event is not about the config repo. */
  accept(event: PullRequestEvent): { projects: string[]; refused: Record<string, string> } | undefined {
    const config = normalizeRepoUrl(this.deps.configRepo);
    if (!event.repoUrls.some((url) => normalizeRepoUrl(url) === config)) return undefined;
    if (event.intent !== 'build') return { projects: [], refused: {} };
    // A config pull request names build commands and images: built only from the repo itself, by someone who may write to it.
    if (event.fork || !event.writeAccess) return { projects: [], refused: { config: 'pull requests on the config repo are built only from its own branches' } };
    this.chain = this.chain.then(() => this.handle(event)).catch((error: unknown) => this.deps.logger.warn('config pull request failed', { number: event.number, error: errorMessage(error) }));
    return { projects: ['config'], refused: {} };
  }

  idle(): Promise<unknown> {
    return this.chain;
  }

  private async handle(event: PullRequestEvent): Promise<void> {
    const { reporting } = this.deps;
    const repo = forgeRepoOf(event.provider, this.deps.configRepo);
    const files = await this.deps.configAtRef.read(event.fetchRef, event.headSha);
    const all = [...(files.settingsText === undefined ? [] : [{ path: SETTINGS_FILE, text: files.settingsText }]), ...files.projectFiles];
    const state = desiredStateOf(files);
    const problems = configProblems(state, all);
    const send = (status: CommitStatus, comment: string) =>
      reporting.sendTo(`config#${event.number}`, repo, async (reporter, target: ForgeRepo) => {
        await reporter.setStatus(target, event.headSha, status);
        await reporter.upsertComment(target, event.number, CONFIG_MARKER, comment);
      });
    const rows: ConfigRow[] = [];
    const comment = () => configCommentBody(problems, rows, event.headSha);
    send(problemsStatus(problems, reporting.dashboardUrl()), comment());
    if (state.settingsBroken) return;
    for (const change of changedDeploys(state, this.deps.sync.desiredState)) {
      const name = change.project.name;
      const version = change.deploy === 'latest' ? await this.newest(change.project.source) : change.deploy;
      if (!version) continue;
      const url = reporting.versionUrl(name, version);
      const log = `${reporting.dashboardUrl().replace(/\/_opus\/$/, '')}/api/v1/builds/${encodeURIComponent(buildKey(name, version))}/log`;
      const row: ConfigRow = { project: name, version, ...(change.from ? { from: change.from } : {}), state: 'pending', url: log };
      rows.push(row);
      const built = (await this.deps.store.listBuilt(name)).some((b) => b.version === version);
      if (built) Object.assign(row, { state: 'success', url });
      send({ state: row.state, targetUrl: row.url, description: built ? `${version} is built: this is what merging serves` : `Building ${version}…`, context: statusContext(name) }, comment());
      if (built) continue;
      // As merging would build it, with the pull request's build settings; nothing goes live.
      void this.deps.scheduler.schedule(change.project, version, { trigger: 'webhook' }).done.then((record) => {
        const ok = record.status === 'succeeded';
        Object.assign(row, ok ? { state: 'success', url } : { state: 'failure', error: record.error ?? record.status });
        const description = ok ? `${version} is built: this is what merging serves` : `The build of ${version} failed: merging would keep ${change.from ?? 'nothing'} live`;
        send({ state: row.state, targetUrl: row.url, description: description.slice(0, 140), context: statusContext(name) }, comment());
      });
    }
  }

  private async newest(source: string): Promise<string | undefined> {
    try {
      return newestSemverTag((await this.deps.sources.listTags(source)).keys());
    } catch (error) {
      this.deps.logger.warn('cannot resolve latest for a config pull request', { source, error: errorMessage(error) });
      return undefined;
    }
  }
}
