// What a verified push webhook sets off, in the background: a push to the config repo syncs; a tag
// pushed to a project's source builds it (`prebuild: true`) and re-resolves `deploy: latest`.
// Pushes are coalesced per repository (a short debounce, then one handler at a time), so a burst of
// webhooks costs one sync (one fetch of the config repo, one ls-remote of each `latest` source),
// not one per webhook; pushed tags are not looked up again (the build's clone is their fetch).
import { resolve } from 'node:path';
import { routePush, type PushRoute } from '../domain/push-routing.js';
import { isLocalPath } from '../domain/repo-url.js';
import type { PushEvent } from '../domain/webhook-payload.js';
import { errorMessage } from '../domain/errors.js';
import { KeyedCoalescer } from './keyed-coalescer.js';
import type { Logger } from './logger.js';
import type { DesiredStateView } from './desired-state-view.js';
import type { TriggerService } from './trigger-service.js';

export interface WebhookDeps {
  /** What the last sync read, and a sync to run when a push concerns the config repo or a `latest` project. */
  sync: DesiredStateView & { sync(): Promise<unknown> };
  triggers: TriggerService;
  logger: Logger;
  /** The config repo's URL or path, as the server was given it. */
  configRepo?: string;
  /** How long to wait for more pushes to the same repository (default 250 ms). */
  debounceMs?: number;
}

export class WebhookService {
  private readonly pushes: KeyedCoalescer<PushEvent>;

  constructor(private readonly deps: WebhookDeps) {
    this.pushes = new KeyedCoalescer(deps.debounceMs ?? 250, (repo, batch) => this.handle(repo, batch), (repo, error) =>
      deps.logger.warn('webhook handling failed', { repo, error: errorMessage(error) }),
    );
  }

  /** Takes a push for background handling; says what it matched now (the desired state may change by then). */
  accept(push: PushEvent): PushRoute {
    const route = this.route(push);
    this.deps.logger.info('push webhook', { ref: push.ref, repo: route.repo, config: route.config, projects: route.projects });
    this.pushes.add(route.repo, push);
    return route;
  }

  idle(): Promise<void> {
    return this.pushes.idle();
  }

  private route(push: PushEvent): PushRoute {
    const projects = (this.deps.sync.desiredState?.projects ?? []).map((p) => ({ ...p, source: matchable(p.source) }));
    const config = this.deps.configRepo === undefined ? undefined : matchable(this.deps.configRepo);
    return routePush({ ...push, repoUrls: push.repoUrls.map(matchable) }, config, projects);
  }

  private async handle(repo: string, batch: PushEvent[]): Promise<void> {
    const { sync, triggers, logger } = this.deps;
    const routes = batch.map((push) => ({ push, route: this.route(push) }));
    const prebuild = new Map<string, string[]>();
    for (const { push, route } of routes) {
      for (const name of route.prebuild) prebuild.set(name, [...(prebuild.get(name) ?? []), push.tag as string]);
    }
    for (const spec of (sync.desiredState?.projects ?? []).filter((p) => prebuild.has(p.name))) {
      const queued = await triggers.prebuild(spec, prebuild.get(spec.name) ?? []);
      if (queued.length > 0) logger.info('prebuild queued', { project: spec.name, repo, versions: queued });
    }
    const needsSync = sync.desiredState === undefined || routes.some(({ route }) => route.config || route.latest.length > 0);
    if (needsSync) await sync.sync();
  }
}

/** Local paths are compared as absolute paths (as git resolves them, from this process's directory). */
function matchable(url: string): string {
  return isLocalPath(url) && !/^file:/i.test(url) ? resolve(url) : url;
}
