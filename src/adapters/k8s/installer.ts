// `opus install` and `opus uninstall` against a cluster: apply the manifests in order, and delete
// what carries Opus's labels, keeping the data unless asked.
import type { KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_KINDS, uninstallPlan, type ApplyResult, type ObjectRef } from '../../domain/k8s/install-plan.js';
import { MANAGED_BY, MANAGED_SELECTOR } from '../../domain/k8s/manifests.js';
import { refOf, type KubeObjects } from './kube-objects.js';

const isOurs = (obj: KubernetesObject | undefined) => obj?.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by'];

/**
 * Applies every object in order. A namespace that exists without Opus's label was made by someone
 * else: it is used as it is, never labelled, so uninstall can never delete it.
 */
export async function applyInstall(objects: KubeObjects, manifests: KubernetesObject[]): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const obj of manifests) {
    if (obj.kind === 'Namespace') {
      const existing = await objects.read(refOf(obj));
      if (existing && !isOurs(existing)) {
        results.push({ ...refOf(obj), outcome: 'existing' });
        continue;
      }
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
  const plan = uninstallPlan(found, isOurs(ns) ? nsRef : undefined, deleteData);
  const deleted: ObjectRef[] = [];
  for (const ref of plan.delete) if (await objects.delete(ref)) deleted.push(ref);
  return { deleted, kept: plan.keep };
}
