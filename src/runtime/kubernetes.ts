// When the server runs in a cluster (the environment `opus install` gives its pod), the parts that
// use the cluster: the Kubernetes Job build runner with its transfer port, and, with OPUS_LEASE,
// the Lease that lets exactly one replica run the sync loop.
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesJobRunner, kubeJobsApi } from '../adapters/k8s/kubernetes-job-runner.js';
import { LeaseElector } from '../adapters/k8s/lease-elector.js';
import { TransferServer } from '../adapters/k8s/transfer-server.js';
import type { BuildRunner } from '../ports/build-runner.js';
import type { Leadership } from '../ports/leadership.js';
import { UserError } from '../domain/errors.js';
import { TRANSFER_PORT } from '../domain/k8s/manifests.js';
import type { Logger } from '../services/logger.js';

export interface KubernetesRuntime {
  runner: BuildRunner;
  /** Present with OPUS_LEASE: the sync loop runs only while this replica leads. */
  leader?: Leadership;
  close(): Promise<void>;
}

/** Undefined outside a cluster (POD_NAMESPACE, POD_IP or OPUS_IMAGE unset). */
export async function kubernetesFromEnv(env: NodeJS.ProcessEnv, logger: Logger, serverPort: number, kc?: KubeConfig): Promise<KubernetesRuntime | undefined> {
  const namespace = env.POD_NAMESPACE;
  const podIp = env.POD_IP;
  const image = env.OPUS_IMAGE;
  if (!namespace || !podIp || !image) return undefined;
  const config = kc ?? loadConfig();
  const port = Number(env.OPUS_TRANSFER_PORT ?? TRANSFER_PORT);
  const transfers = await TransferServer.start(env.OPUS_TRANSFER_HOST ?? '0.0.0.0', port, (p) => `http://${podIp.includes(':') ? `[${podIp}]` : podIp}:${p}`);
  const owner = env.POD_NAME && env.POD_UID ? { owner: { name: env.POD_NAME, uid: env.POD_UID } } : {};
  const runner = new KubernetesJobRunner({ api: kubeJobsApi(config, namespace), namespace, helperImage: image, transfers, ...owner });
  let elector: LeaseElector | undefined;
  if (env.OPUS_LEASE) {
    // OPUS_LEASE_DURATION (seconds, default 15): the renew deadline and retry period follow it as in client-go.
    const durationSeconds = leaseDuration(env.OPUS_LEASE_DURATION);
    elector = LeaseElector.fromConfig(config, { namespace, name: env.OPUS_LEASE, identity: env.POD_NAME ?? podIp, url: `http://${podIp.includes(':') ? `[${podIp}]` : podIp}:${serverPort}`, ...(durationSeconds ? { durationSeconds } : {}) });
    elector.start((leader) => logger.info(leader ? 'this replica leads: it runs the sync loop' : 'another replica leads the sync loop', { lease: `${namespace}/${env.OPUS_LEASE}` }));
  }
  logger.info('running in Kubernetes', { namespace, transfers: transfers.baseUrl, lease: env.OPUS_LEASE ?? 'none' });
  return {
    runner,
    ...(elector ? { leader: elector } : {}),
    async close() {
      await elector?.stop();
      await transfers.close();
    },
  };
}

function leaseDuration(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1) throw new UserError(`OPUS_LEASE_DURATION must be a number of seconds, at least 1 (got "${text}")`);
  return seconds;
}

function loadConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
