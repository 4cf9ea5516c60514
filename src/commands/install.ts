import type { KubernetesObject } from '@kubernetes/client-node';
import { installFlags, installOptions } from '../cli/install-flags.js';
import { OpusCommand } from '../cli/opus-command.js';
import { installNotes, isRemoteRepo, toYamlDocuments, type ApplyResult } from '../domain/k8s/install-plan.js';
import { installManifests } from '../domain/k8s/manifests.js';

export default class Install extends OpusCommand {
  static override description = `Install Opus on Kubernetes (the current kube-context, or --context): namespace, service account and a namespaced Role, data volume, server Deployment, Service, and an Ingress when hosts are given.
Server-side apply: running it again changes only what changed. --dry-run prints the manifests instead.`;
  static override examples = [
    '<%= config.bin %> install --config-repo https://github.com/acme/opus-config.git --host opus.example.com --ingress-class nginx',
    '<%= config.bin %> install --config ./config --host opus.example.com --tls-secret opus-tls',
    '<%= config.bin %> install --dry-run > opus.yaml && kubectl apply --server-side -f opus.yaml',
    '<%= config.bin %> install --config-repo https://github.com/acme/opus-config.git --store s3://acme-opus/prod --replicas 3 --host opus.example.com',
  ];
  static override enableJsonFlag = true;
  static override flags = installFlags;

  async run(): Promise<{ manifests?: KubernetesObject[]; context?: string; namespace: string; results?: ApplyResult[] }> {
    const { flags } = await this.parse(Install);
    const { options, warnings } = await installOptions(flags, this.config.version);
    for (const warning of warnings) this.warn(warning);
    if (options.configRepo && !isRemoteRepo(options.configRepo)) this.warn(`the config repo ${options.configRepo} is not a URL the cluster can fetch; pass --config-repo <git URL>`);
    const manifests = installManifests(options);
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) process.stdout.write(toYamlDocuments(manifests));
      return { manifests, namespace: options.namespace };
    }
    const { installInCluster } = await import('../runtime/cluster-install.js'); // when run: see commands/server.ts
    const { context, results } = await installInCluster(flags.context, manifests);
    const width = Math.max(...results.map((r) => r.kind.length));
    this.log(results.map((r) => `${r.outcome.padEnd(10)} ${r.kind.padEnd(width)} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`).join('\n'));
    this.log(`\n${installNotes(options, context).join('\n')}`);
    return { context, namespace: options.namespace, results };
  }
}
