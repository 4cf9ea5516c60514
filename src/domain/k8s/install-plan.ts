// What `opus install` and `opus uninstall` report and decide, from what the cluster answered. Pure.
import yaml from 'js-yaml';
import { APP_NAME, DATA_CLAIM, ingressHosts, publicUrl, SYNC_LEASE, type InstallOptions } from './manifests.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** `existing`: a namespace Opus did not make, used as it is (and never deleted by uninstall). */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'existing';

export interface ApplyResult extends ObjectRef {
  outcome: ApplyOutcome;
}

/** Server-side apply changes resourceVersion only when it changed the object. */
export function applyOutcome(before: string | undefined, after: string | undefined): ApplyOutcome {
  if (before === undefined) return 'created';
  return before === after ? 'unchanged' : 'configured';
}

/** What uninstall looks for, in the order it deletes: the workload before what it uses. */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

export interface UninstallPlan {
  delete: ObjectRef[];
  /** Kept because they hold the data (the volume, and the namespace it lives in). */
  keep: ObjectRef[];
}

/**
 * Everything found by Opus's labels is deleted, in MANAGED_KINDS order; the data volume and the
 * namespace only with deleteData (deleting a namespace deletes all in it, so only one Opus made).
 */
export function uninstallPlan(found: ObjectRef[], namespace: ObjectRef | undefined, deleteData: boolean): UninstallPlan {
  const rank = (ref: ObjectRef) => MANAGED_KINDS.findIndex((k) => k.kind === ref.kind && k.apiVersion === ref.apiVersion);
  const ordered = found.filter((ref) => rank(ref) >= 0).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  const isData = (ref: ObjectRef) => ref.kind === 'PersistentVolumeClaim';
  const plan: UninstallPlan = { delete: ordered.filter((ref) => deleteData || !isData(ref)), keep: ordered.filter((ref) => !deleteData && isData(ref)) };
  if (namespace) (deleteData ? plan.delete : plan.keep).push(namespace);
  return plan;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** How to reach the server and wire the push webhook, after an install. */
export function installNotes(o: InstallOptions, context: string): string[] {
  const ns = `-n ${o.namespace}`;
  const url = publicUrl(o);
  const lines = [`Opus is installed in namespace ${o.namespace} of the context ${context}.`, ''];
  lines.push('Reach the server:');
  lines.push(`  kubectl ${ns} port-forward svc/${APP_NAME} 8080:80     # then http://127.0.0.1:8080`);
  if (url) lines.push(`  ${url}/     (the Ingress; API at ${url}/api/v1/projects)`);
  const hosts = ingressHosts(o).filter((h) => h !== o.host);
  if (hosts.length > 0) lines.push(`  sites on ${hosts.join(', ')} (point their DNS at the ingress controller)`);
  lines.push(`  kubectl ${ns} rollout status deployment/${APP_NAME}   # wait until it is ready`);
  lines.push('');
  lines.push('Push webhook (GitHub; Gitea and GitLab at /hooks/gitea, /hooks/gitlab):');
  lines.push(url ? `  URL ${url}/hooks/github, content type application/json, events: push` : '  URL <where GitHub reaches this server>/hooks/github (give --host for an Ingress), content type application/json, events: push');
  lines.push(`  secret: the key OPUS_WEBHOOK_SECRET of the Secret ${o.namespace}/${o.secretName} (without it, webhooks answer 503):`);
  lines.push(`  kubectl ${ns} create secret generic ${o.secretName} --from-literal=OPUS_WEBHOOK_SECRET=$(openssl rand -hex 32) \\`);
  lines.push('      --from-literal=OPUS_API_TOKEN=$(openssl rand -hex 32) [--from-literal=GIT_USERNAME=… --from-literal=GIT_PASSWORD=…]');
  lines.push(`  kubectl ${ns} rollout restart deployment/${APP_NAME}   # after changing the Secret`);
  if (o.store) {
    lines.push('');
    lines.push(`Artifacts in ${o.store.url}: ${o.replicas ?? 1} replica(s) serve from their own mirror; the one holding the Lease ${o.namespace}/${SYNC_LEASE} syncs.`);
    lines.push(`  credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of the Secret ${o.namespace}/${o.secretName}, or the pod's IAM role`);
  }
  if (!o.configRepo) {
    lines.push('');
    lines.push(`No --config-repo: the server makes its own config repo on the volume ${DATA_CLAIM}; give a git URL to drive it by commits.`);
  }
  return lines;
}

/** The manifests as one multi-document YAML, as `kubectl apply -f -` takes them. */
export function toYamlDocuments(objects: readonly object[]): string {
  return objects.map((obj) => yaml.dump(wireNames(obj), { noRefs: true, lineWidth: -1, sortKeys: false })).join('---\n');
}

/** The client's models spell the reserved word `from` as `_from` (NetworkPolicy rules); the API and kubectl say `from`. */
function wireNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireNames);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key === '_from' ? 'from' : key, wireNames(v)]));
}

/** A config repo the cluster can fetch: a URL, or scp-like git@host:path (not a path on this machine). */
export function isRemoteRepo(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) && !repo.startsWith('file:') || /^[\w.-]+@[\w.-]+:/.test(repo);
}
