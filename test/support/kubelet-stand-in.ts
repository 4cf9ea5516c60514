// Plays the Job controller and the kubelet for the Kubernetes API stand-in: when a Job is created it
// makes the Job's pod and runs its containers in order — init containers, then the main one — as
// local processes, not in their images: `node /app/bin/run.js …` (the Opus image's CLI) runs this
// checkout's bin/run.js, other commands run with sh, and /workspace and /tmp are mapped to a temp
// dir. It honours activeDeadlineSeconds, stops on a deleted Job, stores each container's output as
// its log and writes pod and Job status as the real controllers would. Its pods' IP is 127.0.0.1:
// their containers are processes of this machine, so that is where their requests come from.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { TransferServer } from '../../src/adapters/k8s/transfer-server.js';
import { opusBin } from './fixtures.js';
import { startKubeApiStandIn, type KubeApiStandIn } from './kube-api-stand-in.js';

interface Container { name: string; image: string; command: string[]; workingDir?: string; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }
interface JobObj { metadata: { name: string; namespace: string }; spec: { activeDeadlineSeconds?: number; template: { metadata: { labels: Record<string, string> }; spec: { initContainers?: Container[]; containers: Container[] } } } }

export interface KubeletStandIn {
  /** The Jobs it ran, as created. */
  jobs: JobObj[];
  stop(): void;
}

export function startKubeletStandIn(api: KubeApiStandIn, root: string): KubeletStandIn {
  const jobs: JobObj[] = [];
  const running = new Map<string, ChildProcess>();
  const onWrite = (verb: string, obj: { kind?: string; metadata?: { name?: string; namespace?: string } }) => {
    if (obj.kind !== 'Job') return;
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    if (verb === 'created') {
      jobs.push(structuredClone(obj) as JobObj);
      void runJob(obj as JobObj).catch(() => undefined);
    }
    if (verb === 'deleted') kill(running.get(key));
  };
  api.events.on('write', onWrite);

  async function runJob(job: JobObj): Promise<void> {
    const { name, namespace } = job.metadata;
    const key = `${namespace}/${name}`;
    const podName = `${name}-x7k2p`;
    const dir = join(root, podName);
    await mkdir(join(dir, 'workspace'), { recursive: true });
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const map = (s: string) => s.replace(/^\/(workspace|tmp)(?=\/|$)/, (_, top: string) => join(dir, top));
    const pod = (statuses: Record<string, unknown>) => api.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace, labels: { ...job.spec.template.metadata.labels, 'job-name': name } }, spec: job.spec.template.spec, status: { ...statuses, podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } });
    const inits = job.spec.template.spec.initContainers ?? [];
    const terminated = (c: Container, exitCode: number, reason = exitCode === 0 ? 'Completed' : 'Error') => ({ name: c.name, image: c.image, state: { terminated: { exitCode, reason } } });
    const done: Record<string, unknown>[] = [];
    pod({ phase: 'Pending' });
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      kill(running.get(key));
    }, (job.spec.activeDeadlineSeconds ?? 3600) * 1000);
    let failed = false;
    for (const c of [...inits, ...job.spec.template.spec.containers]) {
      const code = await runContainer(key, `${namespace}/${podName}`, c, map);
      done.push(terminated(c, code));
      const isInit = inits.includes(c);
      pod(isInit ? { phase: 'Pending', initContainerStatuses: done } : { phase: code === 0 ? 'Succeeded' : 'Failed', initContainerStatuses: done.slice(0, inits.length), containerStatuses: done.slice(inits.length) });
      if (code !== 0 || timedOut) {
        failed = true;
        break;
      }
    }
    clearTimeout(deadline);
    const current = api.get('batch/v1', 'Job', name, namespace);
    if (!current) return; // deleted meanwhile
    const condition = timedOut
      ? { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
      : failed ? { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : { type: 'Complete', status: 'True' };
    api.put({ ...current, status: { ...(failed || timedOut ? { failed: 1 } : { succeeded: 1 }), conditions: [condition] } });
  }

  function runContainer(key: string, podKey: string, c: Container, map: (s: string) => string): Promise<number> {
    const [cmd, ...args] = c.command;
    const opus = cmd === 'node' && args[0] === '/app/bin/run.js';
    const namespace = podKey.split('/')[0];
    // As a kubelet does: a secretKeyRef is read from the Secret when the container starts (data is base64, stringData as posted).
    const fromSecret = (ref: { name: string; key: string }) => {
      const secret = api.get('v1', 'Secret', ref.name, namespace) as { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
      return secret?.stringData?.[ref.key] ?? (secret?.data?.[ref.key] === undefined ? '' : Buffer.from(secret.data[ref.key] ?? '', 'base64').toString());
    };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef ? fromSecret(e.valueFrom.secretKeyRef) : map(e.value ?? '')])) };
    // Its own process group, so a kill reaches what `sh -c` started too.
    const child = opus ? spawn(process.execPath, [opusBin, ...args.slice(1).map(map)], { env, detached: true }) : spawn(cmd ?? 'sh', args, { env, cwd: c.workingDir ? map(c.workingDir) : undefined, detached: true });
    running.set(key, child);
    // As a kubelet does: the log of a running container is readable while it runs.
    let log = '';
    api.podLogs.set(`${podKey}:${c.name}`, log);
    const append = (d: Buffer) => {
      log += d.toString();
      api.podLogs.set(`${podKey}:${c.name}`, log);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return new Promise((resolve) => {
      child.on('close', (code) => {
        running.delete(key);
        api.podLogs.set(`${podKey}:${c.name}`, log);
        resolve(code ?? 137);
      });
      child.on('error', () => resolve(127));
    });
  }

  return {
    jobs,
    stop() {
      api.events.off('write', onWrite);
      for (const child of running.values()) kill(child);
    },
  };
}

function kill(child: ChildProcess | undefined): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The API stand-in, its kubelet, the runner's transfer server and a client config for them, stopped after the test. */
export async function startKubeStandIns(t: { after(fn: () => unknown): void }, dir: string): Promise<{ api: KubeApiStandIn; kubelet: KubeletStandIn; transfers: TransferServer; kc: KubeConfig }> {
  const api = await startKubeApiStandIn(dir);
  const kubelet = startKubeletStandIn(api, join(dir, 'pods'));
  const transfers = await TransferServer.start('127.0.0.1', 0, (port) => `http://127.0.0.1:${port}`);
  t.after(async () => {
    kubelet.stop();
    await transfers.close();
    await api.close();
  });
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  return { api, kubelet, transfers, kc };
}
