// The CLI's wiring to a cluster: `opus install`/`uninstall` against a kube-context, and the build
// pod's side of the one-time transfer URLs (`opus build-transfer`).
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyInstall, uninstall, type UninstallResult } from '../adapters/k8s/installer.js';
import { KubeObjects, loadKubeConfig } from '../adapters/k8s/kube-objects.js';
import type { ApplyResult } from '../domain/k8s/install-plan.js';

export { downloadInto, uploadFrom } from '../adapters/k8s/transfer-client.js';

export async function installInCluster(context: string | undefined, manifests: KubernetesObject[]): Promise<{ context: string; results: ApplyResult[] }> {
  const kc = loadKubeConfig(context);
  return { context: kc.getCurrentContext(), results: await applyInstall(KubeObjects.fromConfig(kc), manifests) };
}

export async function uninstallFromCluster(context: string | undefined, namespace: string, deleteData: boolean): Promise<UninstallResult & { context: string }> {
  const kc = loadKubeConfig(context);
  return { context: kc.getCurrentContext(), ...(await uninstall(KubeObjects.fromConfig(kc), namespace, deleteData)) };
}
