import { Flags } from '@oclif/core';
import { EMBEDDED_ORIGINS, type Origins } from '../domain/origins.js';
import { errorMessage } from '../domain/errors.js';
import { durationMs } from '../domain/units.js';
import { defaultDataDir, defaults } from '../runtime/defaults.js';
import { secretFromFile } from '../runtime/secret-files.js';
import { createLogger } from '../services/logger.js';
import { OpusCommand } from '../cli/opus-command.js';
import { stopOnSignals } from '../cli/stop-on-signals.js';

export default class Server extends OpusCommand {
  static override description = `Run the Opus server: sync the config repo, build in Docker, serve every project.
With no flags it uses an embedded default: a config repo and an artifact tree under one data directory.`;
  static override examples = ['<%= config.bin %> server', '<%= config.bin %> server --config ./config --data-dir ./opus-data --port 8080', 'OPUS_S3_ENDPOINT=http://127.0.0.1:9000 <%= config.bin %> server --config https://git.example.com/opus-config.git --store s3://opus/prod'];
  static override flags = {
    config: Flags.string({ char: 'c', env: 'OPUS_CONFIG', description: 'Git URL or path of the config repo (default: <data dir>/config, created on first start)' }),
    store: Flags.string({ env: 'OPUS_STORE', description: 'A shared artifact store for several replicas, s3://bucket/prefix (S3 or, with OPUS_S3_ENDPOINT, MinIO and other S3-compatible servers; credentials from AWS_* or the SDK chain). Default: under the data directory' }),
    'data-dir': Flags.string({ env: 'OPUS_DATA_DIR', description: `Where artifacts and state live (default: ${defaults.dataDir})` }),
    port: Flags.integer({ char: 'p', env: 'PORT', default: defaults.port, description: 'HTTP port' }),
    host: Flags.string({ env: 'OPUS_HOST', default: defaults.host, description: 'Address to listen on' }),
    'sync-interval': Flags.string({ description: 'How often to fetch the config repo, e.g. 30s (default: opus.yaml sync.interval)' }),
    'api-token': Flags.string({ env: 'OPUS_API_TOKEN', description: 'Bearer token required for API calls that change state (default: a random admin token made on first start in <data dir>/state/admin-token)' }),
    'webhook-secret': Flags.string({ env: 'OPUS_WEBHOOK_SECRET', description: 'Shared secret of push webhooks at /hooks/github, /hooks/gitea, /hooks/gitlab (default: none, webhooks answer 503)' }),
    'public-url': Flags.string({ env: 'OPUS_PUBLIC_URL', description: 'Where users reach this server, for the URLs in outgoing hook bodies (default: the listen URL)' }),
    'trust-proxy': Flags.boolean({ env: 'OPUS_TRUST_PROXY', default: false, description: 'Behind a reverse proxy or ingress: build the URLs in API answers from X-Forwarded-Proto and X-Forwarded-Host' }),
    'protect-reads': Flags.boolean({ env: 'OPUS_PROTECT_READS', default: false, description: 'Require the API token for reading too' }),
    'dashboard-host': Flags.string({ env: 'OPUS_DASHBOARD_HOST', description: `Host names (comma-separated) of the dashboard and API; no site is ever served on them (default: ${EMBEDDED_ORIGINS.dashboardHosts.join(',')})` }),
    'sites-domain': Flags.string({ env: 'OPUS_SITES_DOMAIN', description: `Projects are served on <project>.<sites domain>, previews on <version>--<project>.<sites domain> (default: ${EMBEDDED_ORIGINS.sitesDomain})` }),
    'path-sites-host': Flags.string({ env: 'OPUS_PATH_SITES_HOST', description: 'Opt-in: host names (comma-separated, never a dashboard host) that serve /<project>/ and /<project>@<version>/' }),
    'https-port': Flags.integer({ env: 'OPUS_HTTPS_PORT', description: 'Serve HTTPS (HTTP/2 and HTTP/1.1) on this port; --port then redirects hosts with a certificate to it and answers ACME challenges (default: 443 when --acme-email or --certificates is given, else no HTTPS)' }),
    certificates: Flags.string({ env: 'OPUS_CERTIFICATES', description: 'A directory of own certificates, each <name>.crt (or .pem) beside <name>.key, a wildcard too; reloaded when the files change' }),
    'acme-email': Flags.string({ env: 'OPUS_ACME_EMAIL', description: 'Get certificates by ACME (Let\'s Encrypt by default) for the public URL\'s host and every project domain, with this account email (else opus.yaml tls.email)' }),
    'acme-directory': Flags.string({ env: 'OPUS_ACME_DIRECTORY', description: 'The ACME CA\'s directory URL (staging, an internal CA; default opus.yaml tls.directory, else Let\'s Encrypt)' }),
    drain: Flags.string({ env: 'OPUS_DRAIN', default: '0s', description: 'On SIGTERM, keep serving this long with /readyz failing before closing, so a load balancer moves traffic away first (e.g. 5s)' }),
    'log-format': Flags.string({ options: ['auto', 'json', 'human'], default: defaults.logFormat, description: 'JSON lines, or human lines (auto: human on a terminal)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    // Imported here, not at the top: oclif loads every command module at each CLI start, and these
    // (Docker, S3, Kubernetes clients, the HTTP server) cost about a second that `opus list` need not pay.
    const [{ startServer }, { s3StoreFromEnv }, { kubernetesFromEnv }] = await Promise.all([import('../runtime/start-server.js'), import('../runtime/store-flags.js'), import('../runtime/kubernetes.js')]);
    const format = flags['log-format'] === 'auto' ? (process.stderr.isTTY ? 'human' : 'json') : (flags['log-format'] as 'json' | 'human');
    // Or from mounted files: OPUS_API_TOKEN_FILE, OPUS_WEBHOOK_SECRET_FILE.
    const apiToken = flags['api-token'] ?? secretFromFile('OPUS_API_TOKEN');
    const webhookSecret = flags['webhook-secret'] ?? secretFromFile('OPUS_WEBHOOK_SECRET');
    // Checked before anything starts, so a bad URL is the only message.
    const s3 = flags.store ? s3StoreFromEnv(flags.store, process.env) : undefined;
    const logger = createLogger(format);
    const kubernetes = await kubernetesFromEnv(process.env, logger, flags.port);
    const tlsWanted = flags['https-port'] !== undefined || flags.certificates !== undefined || flags['acme-email'] !== undefined;
    const tls = tlsWanted
      ? {
          httpsPort: flags['https-port'] ?? 443,
          ...(flags.certificates ? { certificatesDir: flags.certificates } : {}),
          acme: { ...(flags['acme-email'] ? { email: flags['acme-email'] } : {}), ...(flags['acme-directory'] ? { directoryUrl: flags['acme-directory'] } : {}) },
        }
      : undefined;
    const started = stopOnSignals(durationMs(flags.drain) + 30_000, (error) => logger.error('the server did not close cleanly', { error: errorMessage(error) }));
    const server = await startServer({
      dataDir: flags['data-dir'] ?? defaultDataDir(),
      ...(flags.config ? { config: flags.config } : {}),
      port: flags.port,
      host: flags.host,
      ...(flags['sync-interval'] ? { syncIntervalMs: durationMs(flags['sync-interval']) } : {}),
      logger,
      ...(apiToken ? { apiToken } : {}),
      protectReads: flags['protect-reads'],
      trustProxy: flags['trust-proxy'],
      ...(flags['public-url'] ? { publicUrl: flags['public-url'] } : {}),
      ...(webhookSecret ? { webhookSecret } : {}),
      ...(kubernetes ? { kubernetes } : {}),
      ...(s3 ? { s3 } : {}),
      origins: originsFromFlags(flags),
      ...(tls ? { tls } : {}),
      drainMs: durationMs(flags.drain),
    });
    started(server);
    // The URL says 127.0.0.1; the default listens on every interface, which a newcomer should know.
    const everywhere = flags.host === '0.0.0.0' ? `; listening on every network interface (--host 127.0.0.1: this machine only)` : '';
    this.log(`Opus is serving on ${server.url}${server.httpsUrl ? ` and ${server.httpsUrl}` : ''} (API: ${server.url}/api/v1/projects)${everywhere}`);
    // Shown once, when it is made; the CLI on this machine reads the file itself.
    if (server.createdTokenFile) this.log(`Made an admin token (in ${server.createdTokenFile}, mode 0600). Log in to the dashboard: ${server.dashboardUrl}#token=${server.token}`);
    await new Promise(() => undefined);
  }
}

function originsFromFlags(flags: { 'dashboard-host'?: string | undefined; 'sites-domain'?: string | undefined; 'path-sites-host'?: string | undefined }): Origins {
  const list = (text: string | undefined) => (text ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const dashboard = list(flags['dashboard-host']);
  return {
    dashboardHosts: dashboard.length ? dashboard : EMBEDDED_ORIGINS.dashboardHosts,
    sitesDomain: flags['sites-domain']?.trim().toLowerCase() || EMBEDDED_ORIGINS.sitesDomain,
    pathHosts: list(flags['path-sites-host']),
  };
}
