// Wires previews: the ledger under the data dir, the forge reporter with the server's tokens,
// secrets read from the server, the one BuildScheduler. Only the composition root calls this.
import { join } from 'node:path';
import { HttpForgeReporter, TOKEN_NAMES } from '../adapters/forge/forge-reporter.js';
import { FsPreviewLedger } from '../adapters/fs/fs-preview-ledger.js';
import { GitConfigAtRef } from '../adapters/git/git-config-at-ref.js';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../domain/webhook-payload.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { EventSink } from '../ports/event-sink.js';
import type { SourceRepos } from '../ports/git-sources.js';
import type { PreviewLedger } from '../ports/previews.js';
import type { BuildScheduler } from '../services/build-scheduler.js';
import type { Logger } from '../services/logger.js';
import { ConfigPullRequests } from '../services/previews/config-pull-requests.js';
import { PreviewReporting } from '../services/previews/preview-reporting.js';
import { PreviewService } from '../services/previews/preview-service.js';
import type { SiteTable } from '../services/site-table.js';
import type { SyncService } from '../services/sync-service.js';
import { secretFromFile } from './secret-files.js';

export type ForgeTokens = Partial<Record<WebhookProvider, string>>;

/** GITHUB_TOKEN, GITEA_TOKEN, GITLAB_TOKEN (or each one's _FILE) of the server's environment. */
export function forgeTokensFromEnv(env: NodeJS.ProcessEnv = process.env): ForgeTokens {
  const tokens: ForgeTokens = {};
  for (const provider of WEBHOOK_PROVIDERS) {
    const name = TOKEN_NAMES[provider];
    const token = env[name]?.trim() || secretFromFile(name, env);
    if (token) tokens[provider] = token;
  }
  return tokens;
}

export interface PreviewWiring {
  dataDir: string;
  sync: SyncService;
  sites: SiteTable;
  store: ArtifactStore;
  scheduler: BuildScheduler;
  logger: Logger;
  events: EventSink;
  tokens: ForgeTokens;
  publicUrl: () => string;
  sources: SourceRepos;
  /** The config repo's URL or path, as the server was given it. */
  configRepo: string;
  /** The sites domain: preview hosts live under it unless opus.yaml's previews.domain says otherwise. */
  sitesDomain: string;
  /** A ledger in the shared store (else <data>/state/previews.json), read again while `follow()` (this replica does not lead). */
  shared?: { ledger: PreviewLedger; follow: () => boolean };
}

export async function startPreviews({ dataDir, sync, sites, store, scheduler, logger, events, tokens, publicUrl, sources, configRepo, sitesDomain, shared }: PreviewWiring): Promise<PreviewService> {
  const reporting = new PreviewReporting({ reporter: new HttpForgeReporter(tokens), logger, publicUrl, previewDomain: () => sites.previewDomain ?? sitesDomain });
  const configPulls = new ConfigPullRequests({ configRepo, configAtRef: new GitConfigAtRef(configRepo), sync, scheduler, store, sources, reporting, logger });
  const previews = new PreviewService({
    sync,
    production: (project) => [sites.liveVersion(project), sync.desiredVersion(project)].filter((v): v is string => v !== undefined),
    scheduler,
    store,
    ledger: shared?.ledger ?? new FsPreviewLedger(join(dataDir, 'state', 'previews.json')),
    reporting,
    logger,
    events,
    configPulls,
  });
  await previews.start();
  if (shared) previews.follow(shared.follow);
  return previews;
}
