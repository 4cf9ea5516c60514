// `opus install` and `opus uninstall` against a cluster: apply the manifests in order, and delete
// what carries Opus's labels, keeping the data unless asked.
import type { KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_KINDS, uninstallPlan, type ApplyResult, type ObjectRef } from '../../domain/k8s/install-plan.js';
import { CREATED_NAMESPACE_ANNOTATION, labels, MANAGED_BY, MANAGED_SELECTOR } from '../../domain/k8s/manifests.js';
import { refOf, type KubeObjects } from './kube-objects.js';

const isOurs = (obj: KubernetesObject | undefined) => obj?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by'];
/** Made by `opus install` itself: labels can come from `kubectl apply` of --dry-run's manifests, this annotation cannot. */
const madeByInstall = (obj: KubernetesObject | undefined) => isOurs(obj) && obj?.metadata?.annotations?.[CREATED_NAMESPACE_ANNOTATION] === 'opus-install';

/**
 * Applies every object in order. A namespace is marked Opus's (labels and the created-by
 * annotation) only when this install creates it; one that exists and was not made so is used as
 * it is, never marked, so uninstall can never delete it.
 */
export async function applyInstall(objects: KubeObjects, manifests: KubernetesObject[]): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const obj of manifests) {
    if (obj.kind === 'Namespace') {
      const existing = await objects.read(refOf(obj));
      if (existing && !madeByInstall(existing)) {
        results.push({ ...refOf(obj), outcome: 'existing' });
        continue;
      }
      const metadata = { ...obj.metadata, labels: { ...obj.metadata?.labels, ...labels('namespace') }, annotations: { ...obj.metadata?.annotations, [CREATED_NAMESPACE_ANNOTATION]: 'opus-install' } };
      results.push(await objects.apply({ ...obj, metadata }));
      continue;
    }
    results.push(await objects.apply(obj));
  }
  return results;
}

export interface UninstallResult {
  deleted: ObjectRef[];
  /** Kept on purpose: the data volume and its namespace, unless deleteData. */
  kept: ObjectRef[];
}

export async function uninstall(objects: KubeObjects, namespace: string, deleteData: boolean): Promise<UninstallResult> {
  const found: ObjectRef[] = [];
  for (const { apiVersion, kind } of MANAGED_KINDS) found.push(...(await objects.list(apiVersion, kind, namespace, MANAGED_SELECTOR)));
  const nsRef: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  const ns = await objects.read(nsRef);
  const plan = uninstallPlan(found, madeByInstall(ns) ? nsRef : undefined, deleteData);
  const deleted: ObjectRef[] = [];
  for (const ref of plan.delete) if (await objects.delete(ref)) deleted.push(ref);
  return { deleted, kept: plan.keep };
}
