import { Flags } from '@oclif/core';
import { durationMs } from '../domain/units.js';
import { defaultDataDir, defaults } from '../runtime/defaults.js';
import { kubernetesFromEnv } from '../runtime/kubernetes.js';
import { secretFromFile } from '../runtime/secret-files.js';
import { startServer } from '../runtime/start-server.js';
import { s3StoreFromEnv } from '../runtime/artifact-stores.js';
import { createLogger } from '../services/logger.js';
import { OpusCommand } from '../cli/opus-command.js';

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
    'api-token': Flags.string({ env: 'OPUS_API_TOKEN', description: 'Bearer token required for API calls that change state (default: none, changes only from this machine)' }),
    'webhook-secret': Flags.string({ env: 'OPUS_WEBHOOK_SECRET', description: 'Shared secret of push webhooks at /hooks/github, /hooks/gitea, /hooks/gitlab (default: none, webhooks answer 503)' }),
    'public-url': Flags.string({ env: 'OPUS_PUBLIC_URL', description: 'Where users reach this server, for the URLs in outgoing hook bodies (default: the listen URL)' }),
    'trust-proxy': Flags.boolean({ env: 'OPUS_TRUST_PROXY', default: false, description: 'Behind a reverse proxy or ingress: build the URLs in API answers from X-Forwarded-Proto and X-Forwarded-Host' }),
    'protect-reads': Flags.boolean({ env: 'OPUS_PROTECT_READS', default: false, description: 'Require the API token for reading too' }),
    drain: Flags.string({ env: 'OPUS_DRAIN', default: '0s', description: 'On SIGTERM, keep serving this long with /readyz failing before closing, so a load balancer moves traffic away first (e.g. 5s)' }),
    'log-format': Flags.string({ options: ['auto', 'json', 'human'], default: defaults.logFormat, description: 'JSON lines, or human lines (auto: human on a terminal)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    const format = flags['log-format'] === 'auto' ? (process.stderr.isTTY ? 'human' : 'json') : (flags['log-format'] as 'json' | 'human');
    // Or from mounted files: OPUS_API_TOKEN_FILE, OPUS_WEBHOOK_SECRET_FILE.
    const apiToken = flags['api-token'] ?? secretFromFile('OPUS_API_TOKEN');
    const webhookSecret = flags['webhook-secret'] ?? secretFromFile('OPUS_WEBHOOK_SECRET');
    // Checked before anything starts, so a bad URL is the only message.
    const s3 = flags.store ? s3StoreFromEnv(flags.store, process.env) : undefined;
    const logger = createLogger(format);
    const kubernetes = await kubernetesFromEnv(process.env, logger, flags.port);
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
      drainMs: durationMs(flags.drain),
    });
    this.log(`Opus is serving on ${server.url} (API: ${server.url}/api/v1/projects)`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise(() => undefined);
  }
}
