// Applies and deletes objects on a cluster with @kubernetes/client-node: server-side apply
// (application/apply-patch+yaml, fieldManager "opus", force) so running it again changes only what
// changed, and the outcome of each object from its resourceVersion before and after.
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { applyOutcome, type ApplyResult, type ObjectRef } from '../../domain/k8s/install-plan.js';
import { FIELD_MANAGER } from '../../domain/k8s/manifests.js';
import { UserError } from '../../domain/errors.js';

/** The current kube-context of the default kubeconfig (KUBECONFIG, ~/.kube/config, or in-cluster), or the one named. */
export function loadKubeConfig(context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new UserError(`no kube-context named ${context}`, [`known contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`], 2);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new UserError('no Kubernetes cluster configured', ['set KUBECONFIG or create ~/.kube/config, or pass --context'], 2);
  return kc;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** The API's own message for a failed call, for users. */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as { message?: string } | string | undefined;
    const message = typeof body === 'object' && body?.message ? body.message : typeof body === 'string' ? body : '';
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function refOf(obj: KubernetesObject): ObjectRef {
  return { apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? '', name: obj.metadata?.name ?? '', ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) };
}

export class KubeObjects {
  constructor(private readonly api: KubernetesObjectApi) {}

  static fromConfig(kc: KubeConfig): KubeObjects {
    return new KubeObjects(KubernetesObjectApi.makeApiClient(kc));
  }

  /** The object as the cluster has it, or undefined. */
  async read(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await this.api.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new UserError(`cannot read ${ref.kind} ${ref.name}: ${apiErrorMessage(error)}`, [], 1);
    }
  }

  async apply(obj: KubernetesObject): Promise<ApplyResult> {
    const ref = refOf(obj);
    const before = (await this.read(ref))?.metadata?.resourceVersion;
    try {
      // The client mutates the spec it is given (it fills in a default namespace): pass a copy.
      const applied = await this.api.patch(structuredClone(obj), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      return { ...ref, outcome: applyOutcome(before, applied.metadata?.resourceVersion) };
    } catch (error) {
      throw new UserError(`cannot apply ${ref.kind} ${ref.name}: ${apiErrorMessage(error)}`, [], 1);
    }
  }

  /** Creates (POST); fails when it exists. */
  async create(obj: KubernetesObject): Promise<void> {
    try {
      await this.api.create(structuredClone(obj));
    } catch (error) {
      throw new UserError(`cannot create ${obj.kind} ${obj.metadata?.name}: ${apiErrorMessage(error)}`, [], 1);
    }
  }

  /** Applies in order, stopping at the first failure (later objects may depend on earlier ones). */
  async applyAll(objects: KubernetesObject[]): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    for (const obj of objects) results.push(await this.apply(obj));
    return results;
  }

  /** Objects of a kind in a namespace that carry all the labels of the selector. */
  async list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<ObjectRef[]> {
    try {
      const list = await this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return list.items.map((item) => ({ apiVersion, kind, name: item.metadata?.name ?? '', namespace }));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw new UserError(`cannot list ${kind} in ${namespace}: ${apiErrorMessage(error)}`, [], 1);
    }
  }

  /** Deletes, with dependents (a Job's pods) in the background; false when it was gone already. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.api.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new UserError(`cannot delete ${ref.kind} ${ref.name}: ${apiErrorMessage(error)}`, [], 1);
    }
  }
}
