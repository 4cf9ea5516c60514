// What keeps several server replicas available together: a PodDisruptionBudget (a node drain or
// an upgrade takes at most one at a time), topology spread over nodes and zones (one node or zone
// lost takes only its share), disk requested and capped as the mirror needs it (so the scheduler
// places a replica where its mirror fits, and an eviction names the replica that outgrew it), and
// a drain on SIGTERM longer than the time endpoints take to drop a terminating pod.
import type { V1PodDisruptionBudget, V1ResourceRequirements, V1TopologySpreadConstraint } from '@kubernetes/client-node';

/** What of `opus install`'s options these depend on (manifests.ts's InstallOptions has them). */
interface ReplicaOptions {
  namespace: string;
  storage: string;
  store?: unknown;
  replicas?: number;
}

/** How long a terminating replica keeps serving with /readyz failing (OPUS_DRAIN). */
export const DRAIN_SECONDS = 5;
/** What requests in flight get after the drain, then the kubelet's SIGKILL. */
export const GRACE_SECONDS = DRAIN_SECONDS + 5 + 10;
/** The /tmp emptyDir: git checkouts and build staging. */
export const TMP_SIZE = '4Gi';

/** Only with more than one replica: one may be disrupted at a time, never the last one. */
export function disruptionBudget(o: ReplicaOptions, name: string, server: Record<string, string>): V1PodDisruptionBudget[] {
  if (!o.store || (o.replicas ?? 1) < 2) return [];
  return [{
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: o.namespace, labels: server },
    spec: { maxUnavailable: 1, selector: { matchLabels: server } },
  }];
}

/** Replicas spread over nodes (required while nodes allow) and zones (preferred). */
export function topologySpread(o: ReplicaOptions, server: Record<string, string>): V1TopologySpreadConstraint[] {
  if (!o.store || (o.replicas ?? 1) < 2) return [];
  const selector = { matchLabels: server };
  return [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
  ];
}

/**
 * Disk of the pod's own (ephemeral) storage: with a shared store the mirror lives in the data
 * emptyDir (`--storage`) and counts; /tmp always does. Requested in full, so replicas are not
 * packed onto a node that cannot hold their mirrors, and capped a little above, for logs.
 */
export function ephemeralStorage(o: ReplicaOptions): Pick<V1ResourceRequirements, 'requests' | 'limits'> {
  const mirror = o.store ? mebibytes(o.storage) : 0;
  const tmp = mebibytes(TMP_SIZE);
  return { requests: { 'ephemeral-storage': `${mirror + tmp}Mi` }, limits: { 'ephemeral-storage': `${mirror + tmp + 512}Mi` } };
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A Kubernetes quantity of bytes ("10Gi", "500M", "2048") in MiB, rounded up. */
export function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) throw new Error(`"${quantity}" is not a storage size: use e.g. 10Gi or 500Mi`);
  return Math.ceil((Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1)) / 1024 ** 2);
}
