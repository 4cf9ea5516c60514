// Tells the git host about previews: the commit status of each head and the one marked comment of
// each pull request. Calls for one preview go out in order (a late "pending" never overwrites a
// "success"); a forge that fails is logged and never fails a build or a webhook.
import type { ProjectSpec } from '../../domain/desired-state.js';
import { errorMessage } from '../../domain/errors.js';
import { versionUrl } from '../../domain/previews/config-pull-request.js';
import { forgeRepoOf, type ForgeRepo } from '../../domain/previews/forge-repo.js';
import { previewLinks } from '../../domain/previews/preview-links.js';
import { closedCommentBody, commentBody, commitStatus, previewMarker, type PreviewLinks } from '../../domain/previews/preview-report.js';
import type { Preview } from '../../domain/previews/preview-state.js';
import type { ForgeReporter } from '../../ports/previews.js';
import type { Logger } from '../logger.js';

export interface ReportingDeps {
  reporter?: ForgeReporter;
  logger: Logger;
  /** Where users reach the server (scheme, host, port): links in statuses and comments. */
  publicUrl: () => string;
  previewDomain: () => string | undefined;
}

export class PreviewReporting {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: ReportingDeps) {}

  links(project: string, preview: Pick<Preview, 'alias' | 'commit'>): PreviewLinks {
    return previewLinks(this.deps.publicUrl(), this.deps.previewDomain(), project, preview.alias, preview.commit);
  }

  /** The status of the preview's head, and its pull request's comment. */
  report(project: ProjectSpec, preview: Preview): void {
    const links = this.links(project.name, preview);
    this.send(project, preview, async (reporter, repo) => {
      await reporter.setStatus(repo, preview.commit, commitStatus(project.name, preview, links));
      if (preview.kind === 'pr' && preview.number !== undefined) await reporter.upsertComment(repo, preview.number, previewMarker(project.name), commentBody(project.name, preview, links));
    });
  }

  /** Where a built tag version is seen (a config-repo pull request's deploy). */
  versionUrl(project: string, version: string): string {
    return versionUrl(this.deps.publicUrl(), this.deps.previewDomain(), project, version);
  }

  /** The server's dashboard, where a config problem is seen. */
  dashboardUrl(): string {
    return `${this.deps.publicUrl().replace(/\/+$/, '')}/_opus/`;
  }

  /** The pull request closed: its comment says the preview is gone. */
  closed(project: ProjectSpec, preview: Preview): void {
    if (preview.kind !== 'pr' || preview.number === undefined) return;
    const number = preview.number;
    this.send(project, preview, (reporter, repo) => reporter.upsertComment(repo, number, previewMarker(project.name), closedCommentBody(project.name)));
  }

  /** Resolves when every call asked for so far went out. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private send(project: ProjectSpec, preview: Preview, call: (reporter: ForgeReporter, repo: ForgeRepo) => Promise<void>): void {
    this.sendTo(`${project.name}/${preview.alias}`, forgeRepoOf(preview.provider, project.source), call);
  }

  /** Calls under one key go out one after another, in the order asked. */
  sendTo(key: string, repo: ForgeRepo | undefined, call: (reporter: ForgeReporter, repo: ForgeRepo) => Promise<void>): void {
    const { reporter, logger } = this.deps;
    if (!reporter || !repo) return;
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => call(reporter, repo))
      .catch((error: unknown) => logger.warn('cannot report the preview to the forge', { preview: key, provider: repo.provider, error: errorMessage(error) }));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}
