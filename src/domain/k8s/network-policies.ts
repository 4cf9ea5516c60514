// NetworkPolicies of an install. Build pods run code nobody reviewed: they get DNS, the internet
// (registries) and the server's transfer port, and nothing else: not the cloud metadata service,
// not other pods or Services of the cluster, not the nodes. Nothing reaches into a build pod. The
// server's pods accept HTTP from anywhere (the ingress controller, port-forward) and the transfer
// port only from build pods; their egress stays open (git remotes, the Kubernetes API, S3, hooks).
// A NetworkPolicy is enforced only by a network plugin that implements it (Calico, Cilium, …).
import type { V1NetworkPolicy } from '@kubernetes/client-node';

/** Private, link-local (cloud metadata: 169.254.169.254) and shared (CGNAT) ranges: where cluster pods, Services and nodes live. */
export const INTERNAL_IPV4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];
/** Unique-local (fd00:ec2::254 is AWS's metadata) and link-local IPv6. */
export const INTERNAL_IPV6 = ['fc00::/7', 'fe80::/10', '::1/128'];

const component = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': 'opus', 'app.kubernetes.io/component': name } });

/** `ports` and `labels` (of the policies themselves) come from manifests.ts, which calls this. */
export function networkPolicies(namespace: string, ports: { server: number; transfer: number }, labels: Record<string, string>): [V1NetworkPolicy, V1NetworkPolicy] {
  const metadata = (name: string) => ({ name, namespace, labels });
  const builds: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata('opus-builds'),
    spec: {
      podSelector: component('build'),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        // DNS, wherever the cluster's resolver is (kube-dns, a node-local cache).
        { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        // The one-time source and output URLs of the server's pods.
        { to: [{ podSelector: component('server') }], ports: [{ protocol: 'TCP', port: ports.transfer }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: INTERNAL_IPV4 } }, { ipBlock: { cidr: '::/0', except: INTERNAL_IPV6 } }] },
      ],
    },
  };
  const server: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata('opus-server'),
    spec: {
      podSelector: component('server'),
      policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ protocol: 'TCP', port: ports.server }] },
        { _from: [{ podSelector: component('build') }], ports: [{ protocol: 'TCP', port: ports.transfer }] },
      ],
    },
  };
  return [builds, server];
}
