// Flags of `opus install`, and the InstallOptions they make (reading a config working copy for
// its domains and its remote when --config is given).
import { Flags } from '@oclif/core';
import { desiredStateOf } from '../domain/desired-state.js';
import { UserError } from '../domain/errors.js';
import { DEFAULT_RESOURCES, type InstallOptions } from '../domain/k8s/manifests.js';
import { sitesDomainProblem } from '../domain/k8s/sites-domain.js';
import { checkEndpoint, storeLocation } from '../runtime/store-flags.js';
import { configRemoteUrl, readConfigDir } from '../runtime/config-repo.js';

export const kubeFlags = {
  context: Flags.string({ description: 'The kube-context to use (default: the current one of $KUBECONFIG or ~/.kube/config)' }),
  namespace: Flags.string({ char: 'n', default: 'opus', description: 'The namespace Opus lives in' }),
};

export const installFlags = {
  ...kubeFlags,
  image: Flags.string({ description: 'The server image (default: ghcr.io/opus/opus:<this CLI\'s version>)' }),
  'config-repo': Flags.string({ description: 'Git URL of the config repo the server syncs (default: the origin of --config; else an embedded one on the volume)' }),
  config: Flags.string({ char: 'c', description: 'A working copy of the config repo: its projects\' domains and previews.domain go on the Ingress' }),
  host: Flags.string({ description: 'Host name of the Opus server itself on the Ingress (API, dashboard, push webhooks), e.g. opus.example.com' }),
  'sites-domain': Flags.string({ description: 'Every project at <project>.<sites domain> and preview at <version>--<project>.<sites domain>: the Ingress routes *.<sites domain> to Opus (needs wildcard DNS, and a wildcard certificate with --tls-secret), e.g. sites.example.net' }),
  domain: Flags.string({ multiple: true, default: [], description: 'A project domain the Ingress routes to Opus (repeatable)' }),
  'ingress-class': Flags.string({ description: 'ingressClassName of the Ingress (default: the cluster\'s default class)' }),
  'tls-secret': Flags.string({ description: 'A TLS Secret in the namespace for every Ingress host (the public URL is then https)' }),
  secret: Flags.string({ default: 'opus-secrets', description: 'The Secret with OPUS_WEBHOOK_SECRET, OPUS_API_TOKEN, GIT_USERNAME, GIT_PASSWORD (every key optional)' }),
  storage: Flags.string({ default: '10Gi', description: 'Size of the data volume' }),
  'storage-class': Flags.string({ description: 'StorageClass of the data volume (default: the cluster\'s default)' }),
  'docker-host': Flags.string({ description: 'A Docker Engine the server builds with, e.g. tcp://dind.builds:2375 (none is mounted into the pod)' }),
  store: Flags.string({ description: 'A shared S3 artifact store, s3://bucket/prefix: the data volume becomes an emptyDir and --replicas can be more than 1 (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of --secret, or the pod\'s IAM role)' }),
  's3-endpoint': Flags.string({ description: 'An S3-compatible server for --store, e.g. http://minio.storage:9000 (path-style URLs)' }),
  's3-region': Flags.string({ description: 'The region of the --store bucket (default: us-east-1)' }),
  replicas: Flags.integer({ min: 1, default: 1, description: 'Server replicas (more than 1 needs --store); all serve, one syncs' }),
  'dry-run': Flags.boolean({ default: false, description: 'Print the manifests as YAML instead of applying them' }),
};

interface InstallFlagValues {
  namespace: string;
  image?: string | undefined;
  'config-repo'?: string | undefined;
  config?: string | undefined;
  host?: string | undefined;
  domain: string[];
  'sites-domain'?: string | undefined;
  'ingress-class'?: string | undefined;
  'tls-secret'?: string | undefined;
  secret: string;
  storage: string;
  'storage-class'?: string | undefined;
  'docker-host'?: string | undefined;
  store?: string | undefined;
  's3-endpoint'?: string | undefined;
  's3-region'?: string | undefined;
  replicas?: number | undefined;
}

export interface ResolvedInstall {
  options: InstallOptions;
  /** Problems of the config working copy (its valid projects' domains are used anyway). */
  warnings: string[];
}

export async function installOptions(flags: InstallFlagValues, version: string): Promise<ResolvedInstall> {
  const warnings: string[] = [];
  const domains = new Set(flags.domain);
  let previewDomain: string | undefined;
  let configRepo = flags['config-repo'];
  if (flags.config) {
    const state = desiredStateOf(await readConfigDir(flags.config));
    for (const project of state.projects) for (const d of project.domains) domains.add(d);
    previewDomain = state.settings.previewDomain;
    for (const p of state.problems) warnings.push(`${flags.config}: ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}`);
    configRepo ??= await configRemoteUrl(flags.config);
  }
  const store = storeOption(flags, configRepo);
  const sitesDomain = flags['sites-domain'];
  const sitesProblem = sitesDomain === undefined ? undefined : sitesDomainProblem(sitesDomain, flags.host);
  if (sitesProblem) throw new UserError(sitesProblem);
  const options: InstallOptions = {
    namespace: flags.namespace,
    image: flags.image ?? `ghcr.io/opus/opus:${version}`,
    secretName: flags.secret,
    domains: [...domains],
    storage: flags.storage,
    resources: DEFAULT_RESOURCES,
    ...(configRepo ? { configRepo } : {}),
    ...(previewDomain ? { previewDomain } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(sitesDomain ? { sitesDomain } : {}),
    ...(flags['ingress-class'] ? { ingressClass: flags['ingress-class'] } : {}),
    ...(flags['tls-secret'] ? { tlsSecret: flags['tls-secret'] } : {}),
    ...(flags['storage-class'] ? { storageClass: flags['storage-class'] } : {}),
    ...(flags['docker-host'] ? { dockerHost: flags['docker-host'] } : {}),
    ...(store ? { store, replicas: flags.replicas ?? 1 } : {}),
  };
  return { options, warnings };
}

/** The shared store, checked: several replicas need one, and pods with an emptyDir need a config repo they can fetch. */
function storeOption(flags: InstallFlagValues, configRepo: string | undefined): InstallOptions['store'] {
  const replicas = flags.replicas ?? 1;
  if (!flags.store) {
    if (replicas > 1) throw new UserError(`--replicas ${replicas} needs --store s3://bucket/prefix: without it the artifacts live on a ReadWriteOnce volume that one pod can use`);
    if (flags['s3-endpoint'] || flags['s3-region']) throw new UserError('--s3-endpoint and --s3-region only apply with --store s3://bucket/prefix');
    return undefined;
  }
  storeLocation(flags.store);
  if (!configRepo) throw new UserError('--store needs a config repo the pods can fetch (--config-repo <git URL>, or --config with a remote): an embedded one would live on each pod\'s emptyDir and be lost with it');
  const endpoint = flags['s3-endpoint'];
  if (endpoint !== undefined) checkEndpoint('--s3-endpoint', endpoint);
  return { url: flags.store, ...(endpoint ? { endpoint } : {}), ...(flags['s3-region'] ? { region: flags['s3-region'] } : {}) };
}
