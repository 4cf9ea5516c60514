// Which artifact store a server uses, and what it serves from. On the filesystem, one store and one
// table do everything. With a shared S3 store (several replicas), builds, records, logs, archives
// and the live pointers go to the bucket, and each replica serves from a local mirror kept by a
// LiveFollower: the API reads the bucket, the site handler the mirror.
import type { SiteServing } from '../server/app.js';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../adapters/fs/fs-artifact-store.js';
import { FsMirrorLedger } from '../adapters/fs/fs-mirror-ledger.js';
import { Leftovers } from '../adapters/fs/leftovers.js';
import { S3ArtifactStore } from '../adapters/s3/s3-artifact-store.js';
import { S3PreviewLedger } from '../adapters/s3/s3-preview-ledger.js';
import { previewServable } from '../domain/mirror-plan.js';
import type { PreviewLedger } from '../ports/previews.js';
import { S3CertificateStore } from '../adapters/s3/s3-certificate-store.js';
import type { CertificateStore } from '../ports/certificate-store.js';
import { S3Objects, s3Client } from '../adapters/s3/s3-objects.js';
import { storeLocation, type S3StoreOptions } from './store-flags.js';
import { UserError } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { Leadership } from '../ports/leadership.js';
import { LiveFollower } from '../services/live-follower.js';
import type { Logger } from '../services/logger.js';
import { SiteTable } from '../services/site-table.js';

export type { S3StoreOptions } from './store-flags.js';

export interface ArtifactStores {
  /** Where builds publish and the sync switches: what the API reads. */
  store: ArtifactStore;
  sites: SiteTable;
  /** What the site handler serves from (the same as above on the filesystem). */
  serving: SiteServing;
  /** On a Docker Engine: this server's build containers (a restart removes the ones it left) and its package caches. */
  docker: { owner: string; cacheId: string };
  /** With a shared store: certificates every replica serves (else under the data dir). */
  certificates?: CertificateStore;
  follower?: LiveFollower;
  /** With a shared store: the previews' aliases, one document every replica reads (else under the data dir). */
  previewLedger?: PreviewLedger;
  /** Deletes what a killed server left on this machine (set aside at open): run once serving started. */
  sweep(signal: AbortSignal): Promise<SweepCounts>;
}

export type SweepCounts = Record<string, number>;

export async function openArtifactStores(dataDir: string, s3: S3StoreOptions | undefined, logger: Logger, leader?: Leadership): Promise<ArtifactStores> {
  if (!s3) {
    const store = new FsArtifactStore(join(dataDir, 'artifacts'));
    await store.setAsideAbandoned();
    const sites = new SiteTable(store);
    await sites.load();
    const id = serverId(store.root);
    return { store, sites, serving: { store, sites }, docker: { owner: id, cacheId: id }, sweep: (signal) => store.sweepAbandoned(signal) };
  }
  const client = s3Client({ region: s3.region ?? 'us-east-1', ...(s3.endpoint ? { endpoint: s3.endpoint } : {}), ...(s3.credentials ? { credentials: s3.credentials } : {}) });
  // Staging and running builds' logs under the data dir; sites are served from the mirror below, never from the bucket.
  // With a Lease, the live pointers are written in its term: a replica that lost it cannot overwrite its successor.
  const term = leader?.term ? () => leader.term?.() : undefined;
  const objects = new S3Objects(client, storeLocation(s3.url));
  const store = new S3ArtifactStore(objects, dataDir, term);
  const sites = new SiteTable(store);
  await sites.load().catch((error: unknown) => {
    throw new UserError(`cannot read the artifact store ${store.root}: ${(error as Error).message}`, ['check OPUS_S3_ENDPOINT, AWS_REGION and the AWS credentials, and that the bucket exists']);
  });
  // What killed processes left in the bucket (uploads never completed, builds no marker names), in the background.
  void store.sweepAbandoned().then(
    (swept) => swept.uploads + swept.objects > 0 && logger.info('removed what killed servers left in the store', swept),
    (error: unknown) => logger.warn('cannot sweep the store of abandoned uploads', { error: (error as Error).message }),
  );
  const mirror = new FsArtifactStore(join(dataDir, 'mirror'));
  // What a killed server left: its builds' local staging and its half-done downloads (swept once serving).
  const staged = new Leftovers(join(dataDir, 'state', 'leftovers', 'staging'));
  await Promise.all([staged.setAside([join(dataDir, 'staging')]), mirror.setAsideAbandoned()]);
  const serving = new SiteTable(mirror);
  // What this replica served before a restart, until the first poll says otherwise.
  await serving.load();
  const previewLedger = new S3PreviewLedger(objects, term);
  const follower = new LiveFollower({
    source: store,
    mirror,
    serving,
    ledger: new FsMirrorLedger(join(dataDir, 'state', 'mirror.json')),
    logger,
    ...(leader ? { follow: { sites, when: () => !leader.isLeader() } } : {}),
    previews: async () => previewServable(await previewLedger.read()),
  });
  // Replicas share the bucket and, in pods, the data dir's path: the host name (the pod's name) tells
  // their build containers apart, so a replica that starts never removes another one's running
  // builds on a shared engine. Their package caches are the store's: whichever replica leads uses it.
  return { store, sites, serving: { store: mirror, sites: serving }, docker: { owner: serverId(`${store.root}\n${dataDir}\n${hostname()}`), cacheId: serverId(store.root) }, follower, certificates: new S3CertificateStore(objects), previewLedger,
    sweep: async (signal) => ({ staging: await staged.sweep(), ...(await mirror.sweepAbandoned(signal)) }) };
}

/** Names this server's build containers and cache volumes on a Docker Engine: the same across restarts. */
export function serverId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
