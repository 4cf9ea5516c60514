// What the server is made of, as the composition root hands it over: the types every route's
// dependencies are picked from (each route takes only what it uses), apart from app.ts so that
// routes never import the module that mounts them.
import type { Origins } from '../domain/origins.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { ConfigHistory } from '../ports/config-history.js';
import type { Leadership } from '../ports/leadership.js';
import type { LocalSiteSource } from '../ports/local-site-source.js';
import type { SecretReader } from '../ports/secrets.js';
import type { BuildQueue } from '../services/build-queue.js';
import type { BuildScheduler } from '../services/build-scheduler.js';
import type { CertificateStatus } from '../services/certificates/certificate-manager.js';
import type { HookDeliveryService } from '../services/hook-delivery.js';
import type { Logger } from '../services/logger.js';
import type { Metrics } from '../services/metrics.js';
import type { PreviewService } from '../services/previews/preview-service.js';
import type { SiteTable } from '../services/site-table.js';
import type { SyncService } from '../services/sync-service.js';
import type { TriggerService } from '../services/trigger-service.js';
import type { ApiAuthOptions } from './api/auth.js';
import type { ConfigEdits, EditResult } from '../services/config-edits.js';
import type { WebhookOptions } from './webhooks/webhooks.js';

/** What the site handler serves from: a table of live versions and their files on local disk. */
export interface SiteServing {
  sites: SiteTable;
  store: LocalSiteSource;
}

/**
 * A server that only serves files is given `ServeDeps` and where its files are; with `ControlDeps`
 * too it also answers the dashboard, the API, /readyz, /metrics and push webhooks.
 * `serving`, when given, is what the site handler serves from instead of `sites`/`store`: with a
 * shared (S3) store, each replica's local mirror and its table, switched by the LiveFollower.
 * The API keeps `store`.
 */
export type AppDeps = ServeDeps & (ControlDeps | { sync?: undefined }) & (
  | { serving: SiteServing }
  /** Without `serving`, sites are served from `store`, which must then be a filesystem store. */
  | { serving?: undefined; store: LocalSiteSource }
);

/** Everything a route may pick from. */
export type CoreDeps = ServeDeps & ControlDeps;

/** What the builds API asks of the scheduler: the builds it knows of, and cancelling one. */
export type BuildsPort = Pick<BuildScheduler, 'view' | 'views' | 'isActive' | 'cancel'>;

export interface ServeDeps {
  sites: SiteTable;
  logger: Logger;
  /** Reads the server's secrets (a site's basic auth); without it a site with auth refuses everyone. */
  secrets?: SecretReader;
  /** Which hosts are the dashboard's, which are sites' (default: the embedded default, sites on *.localhost). */
  origins?: Origins;
  /** Previews of pull requests and branches: their hosts, /api/v1/projects/:project/previews. */
  previews?: PreviewService;
  /** Prometheus metrics (requests are counted): /metrics answers 404 without them. */
  metrics?: Metrics;
  /** Behind a reverse proxy (an ingress): URLs in answers follow its X-Forwarded-Proto and X-Forwarded-Host. */
  trustProxy?: boolean;
  /** Set by the server while it shuts down: /readyz then answers 503. */
  shutdown?: { readonly draining: boolean };
}

export interface ControlDeps {
  sync: SyncService;
  /** Records, lists and cancels builds: the server's one scheduler. */
  scheduler: BuildsPort;
  store: ArtifactStore;
  queue: BuildQueue;
  /** API token settings; without a token every change is refused. */
  auth?: ApiAuthOptions;
  /** Outgoing hook deliveries: /api/v1/hooks answers 404 without them. */
  hooks?: HookDeliveryService;
  /** Explicit build triggers (POST /api/v1/projects/:project/builds); 503 without. */
  triggers?: TriggerService;
  /** Push webhooks at /hooks/<provider>; they answer 503 without a secret. */
  webhooks?: WebhookOptions;
  /** The config repo's history as the server knows it (its own clone), for deploy history. */
  history?: ConfigHistory;
  /** A replica that does not sync is ready once its mirror caught up with the live pointers. */
  follower?: { readonly caughtUp: boolean };
  /** With several replicas: while another one leads, API and webhook requests go to it. */
  leadership?: Leadership;
  /** Where the config repo this server syncs lives (a path or URL), so the CLI can tell it is the one it edits. */
  configRepo?: string;
  /** Deploy and rollback from the dashboard: runs one edit of the config repo this server syncs. */
  configEdits?: ConfigEditRun;
  /** How long an archive download may stall before it is cut (default ARCHIVE_IDLE_MS). */
  archiveIdleMs?: number;
  /** With HTTPS on: every served certificate's state (GET /api/v1/certificates, the dashboard). */
  certificates?: () => CertificateStatus[];
}

/** Runs one change of the config repo this server syncs (on this machine, or its own clone of a URL); `pr`: as a pull request. */
export type ConfigEditRun = (pr: boolean, change: (edits: ConfigEdits) => Promise<EditResult>) => Promise<EditResult>;

export function siteServing(deps: AppDeps): SiteServing {
  return deps.serving ?? { sites: deps.sites, store: deps.store };
}

/** The deps of the dashboard, the API and the ops routes; undefined for a server that only serves files. */
export function controlOf(deps: AppDeps): CoreDeps | undefined {
  return deps.sync ? deps : undefined;
}
