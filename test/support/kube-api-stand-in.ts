// A local stand-in for the Kubernetes API, for tests: an HTTPS server on 127.0.0.1 (a self-signed
// certificate made with openssl, trusted through the kubeconfig as a cluster's CA is) that
// implements just the REST calls Opus's client makes (discovery, GET, LIST by label, POST, PUT,
// server-side apply PATCH, DELETE, a pod's log), with a kubeconfig file pointing at it. It is not
// Kubernetes: apply is approximated (create if missing, merge, drop what the same manager applied
// before and no longer applies; resourceVersion changes only when the content changed), there are
// no controllers (tests play them through `onWrite` and `put`), and a namespace deletes its objects at once.
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';

const FAKETIME = '/usr/bin/faketime';

type Obj = { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> & { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string }; [key: string]: unknown };
interface Resource { name: string; kind: string; namespaced: boolean }

const RESOURCES: Record<string, Resource[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
  ],
  'apps/v1': [{ name: 'deployments', kind: 'Deployment', namespaced: true }],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }],
  'rbac.authorization.k8s.io/v1': [{ name: 'roles', kind: 'Role', namespaced: true }, { name: 'rolebindings', kind: 'RoleBinding', namespaced: true }],
  'networking.k8s.io/v1': [{ name: 'ingresses', kind: 'Ingress', namespaced: true }, { name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
  'batch/v1': [{ name: 'jobs', kind: 'Job', namespaced: true }],
  'coordination.k8s.io/v1': [{ name: 'leases', kind: 'Lease', namespaced: true }],
};

/** `user` is who called: the name given to kubeconfigAs, or undefined for the default kubeconfig. */
export interface StandInRequest { method: string; path: string; query: Record<string, string>; contentType?: string; user?: string }

export interface KubeApiStandIn {
  url: string;
  /** A kubeconfig file whose current context (`stand-in`) points here, with a bearer token. */
  kubeconfig: string;
  requests: StandInRequest[];
  /** The stored object, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): Obj | undefined;
  list(apiVersion: string, kind: string, namespace?: string): Obj[];
  /** Stores an object as a controller would (status and all), bumping its resourceVersion. */
  put(obj: Obj): Obj;
  /** What GET …/pods/<name>/log?container=<c> answers, by "<namespace>/<pod>:<container>". */
  podLogs: Map<string, string>;
  /** A kubeconfig file like `kubeconfig` whose token names a caller, so a test can tell replicas apart (and hang one). */
  kubeconfigAs(user: string): Promise<string>;
  /** From now on, requests that match are read and never answered (as a stalled API server or a cut network); the returned function ends that. */
  hang(match: (req: StandInRequest) => boolean): () => void;
  /** Requests that match wait `ms`, then are carried out and answered (a slow API server: the write lands late). */
  slow(match: (req: StandInRequest) => boolean, ms: number): () => void;
  /** 'write' (verb, object) after every create, apply, replace and delete. */
  events: EventEmitter;
  close(): Promise<void>;
}

const TOKEN = 'stand-in-token';

export async function startKubeApiStandIn(dir: string): Promise<KubeApiStandIn> {
  const store = new Map<string, Obj>();
  const applied = new Map<string, Obj>(); // key + manager → what that manager last applied
  const requests: StandInRequest[] = [];
  const podLogs = new Map<string, string>();
  const events = new EventEmitter();
  const hangs = new Set<(req: StandInRequest) => boolean>();
  const slows = new Map<(req: StandInRequest) => boolean, number>();
  let version = 1000;
  let uid = 0;

  const keyOf = (gv: string, resource: string, ns: string | undefined, name: string) => `${gv}|${resource}|${ns ?? ''}|${name}`;
  const resourceOf = (gv: string, kind: string) => RESOURCES[gv]?.find((r) => r.kind === kind);

  const save = (gv: string, res: Resource, ns: string | undefined, obj: Obj, verb: string): Obj => {
    const name = String(obj.metadata?.name);
    const key = keyOf(gv, res.name, ns, name);
    const old = store.get(key);
    if (old && canonical(old) === canonical(obj)) return old;
    const created = old === undefined;
    const meta: Record<string, unknown> = { ...obj.metadata, name, ...(res.namespaced ? { namespace: ns } : {}), resourceVersion: String(++version) };
    if (created) Object.assign(meta, { uid: `uid-${++uid}`, creationTimestamp: new Date().toISOString(), generation: 1 });
    else if (JSON.stringify(old.spec) !== JSON.stringify(obj.spec)) meta.generation = Number(old.metadata?.generation ?? 1) + 1;
    const next = { ...obj, apiVersion: gv, kind: res.kind, metadata: meta };
    store.set(key, next);
    events.emit('write', created ? 'created' : verb, next);
    return next;
  };

  const remove = (gv: string, res: Resource, ns: string | undefined, name: string): Obj | undefined => {
    const key = keyOf(gv, res.name, ns, name);
    const obj = store.get(key);
    if (!obj) return undefined;
    store.delete(key);
    for (const k of applied.keys()) if (k.startsWith(`${key}|`)) applied.delete(k);
    if (res.kind === 'Namespace') for (const k of [...store.keys()]) if (k.split('|')[2] === name) store.delete(k);
    events.emit('write', 'deleted', obj);
    return obj;
  };

  const keyFile = join(dir, 'stand-in.key');
  const certFile = join(dir, 'stand-in.crt');
  const req = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3', '-subj', '/CN=kube-api-stand-in', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile];
  // Valid since yesterday, as a cluster's certificate is, so a client whose clock is behind trusts it too
  // (openssl 3.0's req has no -not_before: it is run a day in the past).
  if (existsSync(FAKETIME)) execFileSync(FAKETIME, ['-f', '-1d', 'openssl', ...req], { stdio: 'ignore' });
  else execFileSync('openssl', req, { stdio: 'ignore' });
  const cert = await readFile(certFile);
  const server = createServer({ key: await readFile(keyFile), cert }, (req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, status(500, 'InternalError', String(error))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    const contentType = req.headers['content-type']?.split(';')[0];
    const auth = req.headers.authorization ?? '';
    const user = auth.startsWith(`Bearer ${TOKEN}.`) ? auth.slice(`Bearer ${TOKEN}.`.length) : undefined;
    const request: StandInRequest = { method: req.method ?? 'GET', path: url.pathname, query, ...(contentType ? { contentType } : {}), ...(user ? { user } : {}) };
    requests.push(request);
    if (auth !== `Bearer ${TOKEN}` && user === undefined) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if ([...hangs].some((match) => match(request))) return;
    const wait = Math.max(0, ...[...slows].map(([match, ms]) => (match(request) ? ms : 0)));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const gvLength = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : 0;
    const gv = parts.slice(1, gvLength).join('/');
    if (!gvLength || !RESOURCES[gv]) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const rest = parts.slice(gvLength);
    if (rest.length === 0) return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: RESOURCES[gv]?.map((r) => ({ ...r, singularName: r.kind.toLowerCase(), verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'] })) });
    const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
    const [ns, resourceName, name, sub] = namespaced ? [rest[1], rest[2], rest[3], rest[4]] : [undefined, rest[0], rest[1], rest[2]];
    const resource = RESOURCES[gv]?.find((r) => r.name === resourceName);
    if (!resource || resource.namespaced !== namespaced) return send(res, 404, status(404, 'NotFound', `no resource ${resourceName} here`));
    const body = ['POST', 'PUT', 'PATCH'].includes(req.method ?? '') ? await readBody(req) : '';
    const key = name ? keyOf(gv, resource.name, ns, name) : '';
    const notFound = () => send(res, 404, status(404, 'NotFound', `${resource.name} "${name}" not found`));

    if (req.method === 'GET' && !name) {
      const items = [...store.entries()].filter(([k]) => k.startsWith(`${gv}|${resource.name}|${ns ?? ''}|`) || (!ns && k.startsWith(`${gv}|${resource.name}|`))).map(([, o]) => o).filter((o) => matches(o, query.labelSelector));
      return send(res, 200, { apiVersion: gv, kind: `${resource.kind}List`, metadata: { resourceVersion: String(version) }, items });
    }
    if (req.method === 'GET' && sub === 'log' && resource.kind === 'Pod') {
      if (!store.has(key)) return notFound();
      const log = podLogs.get(`${ns}/${name}:${query.container ?? ''}`);
      // As the real API: a container that has not started has no log yet.
      if (log === undefined) return send(res, 400, status(400, 'BadRequest', `container "${query.container}" in pod "${name}" is waiting to start: PodInitializing`));
      res.writeHead(200, { 'content-type': 'text/plain' });
      // limitBytes: as the real API, at most that many bytes from the start of the log.
      return void res.end(query.limitBytes ? Buffer.from(log).subarray(0, Number(query.limitBytes)) : log);
    }
    if (req.method === 'GET') return store.has(key) ? send(res, 200, store.get(key)) : notFound();
    if (req.method === 'DELETE') {
      const gone = remove(gv, resource, ns, name ?? '');
      return gone ? send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: resource.name } }) : notFound();
    }
    const obj = yaml.load(body) as Obj;
    if (obj?.kind !== resource.kind || (obj.apiVersion ?? gv) !== gv) return send(res, 400, status(400, 'BadRequest', `the object is a ${obj?.apiVersion}/${obj?.kind}, the URL is for ${gv} ${resource.name}`));
    if (req.method === 'POST') {
      if (store.has(keyOf(gv, resource.name, ns, String(obj.metadata?.name)))) return send(res, 409, status(409, 'AlreadyExists', `${resource.name} "${obj.metadata?.name}" already exists`));
      return send(res, 201, save(gv, resource, ns, obj, 'created'));
    }
    if (obj.metadata?.name !== name) return send(res, 400, status(400, 'BadRequest', 'the name of the object does not match the name in the URL'));
    if (req.method === 'PUT') {
      const current = store.get(key);
      if (!current) return notFound();
      if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== current.metadata?.resourceVersion) return send(res, 409, status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again'));
      return send(res, 200, save(gv, resource, ns, { ...obj, metadata: { ...current.metadata, ...obj.metadata } }, 'replaced'));
    }
    if (req.method !== 'PATCH') return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not implemented by the stand-in`));
    if (contentType !== 'application/apply-patch+yaml') return send(res, 415, status(415, 'UnsupportedMediaType', 'the stand-in implements only server-side apply (application/apply-patch+yaml)'));
    const manager = query.fieldManager;
    if (!manager) return send(res, 422, status(422, 'Invalid', 'fieldManager: Required value: is required for apply patch'));
    const current = store.get(key);
    const previous = applied.get(`${key}|${manager}`);
    const next = current ? deepMerge(prune(structuredClone(current), previous ?? {}, obj), obj) : obj;
    applied.set(`${key}|${manager}`, structuredClone(obj));
    return send(res, current ? 200 : 201, save(gv, resource, ns, next, 'configured'));
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const writeKubeconfig = (file: string, token: string) => writeFile(file, yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stand-in', cluster: { server: url, 'certificate-authority-data': cert.toString('base64') } }],
    users: [{ name: 'tester', user: { token } }],
    contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'tester', namespace: 'default' } }, { name: 'other', context: { cluster: 'stand-in', user: 'tester' } }],
    'current-context': 'stand-in',
  }));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, TOKEN);

  return {
    url,
    kubeconfig,
    requests,
    podLogs,
    events,
    kubeconfigAs: async (user) => {
      const file = join(dir, `kubeconfig-${user}`);
      await writeKubeconfig(file, `${TOKEN}.${user}`);
      return file;
    },
    hang: (match) => {
      hangs.add(match);
      return () => void hangs.delete(match);
    },
    slow: (match, ms) => {
      slows.set(match, ms);
      return () => void slows.delete(match);
    },
    get: (apiVersion, kind, name, namespace) => {
      const res = resourceOf(apiVersion, kind);
      return res ? store.get(keyOf(apiVersion, res.name, res.namespaced ? namespace : undefined, name)) : undefined;
    },
    list: (apiVersion, kind, namespace) => {
      const res = resourceOf(apiVersion, kind);
      return res ? [...store.entries()].filter(([k]) => k.startsWith(`${apiVersion}|${res.name}|${namespace ?? ''}|`)).map(([, o]) => o) : [];
    },
    put: (obj) => {
      const gv = obj.apiVersion ?? 'v1';
      const res = resourceOf(gv, obj.kind ?? '');
      if (!res) throw new Error(`the stand-in has no ${gv} ${obj.kind}`);
      return save(gv, res, res.namespaced ? obj.metadata?.namespace : undefined, structuredClone(obj), 'replaced');
    },
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** Equality-based selectors: `a=b,c==d,e!=f,g`. */
function matches(obj: Obj, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [k, v] = term.split(/!=|==|=/).map((s) => s.trim());
    if (v === undefined) return k !== undefined && k in labels;
    return term.includes('!=') ? labels[k ?? ''] !== v : labels[k ?? ''] === v;
  });
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; lists and scalars are replaced, as apply does for atomic fields. */
function deepMerge<T>(target: T, patch: unknown): T {
  if (!isMap(target) || !isMap(patch)) return structuredClone(patch) as T;
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out as T;
}

/** Removes what the manager applied before and no longer applies. */
function prune<T>(target: T, before: unknown, after: unknown): T {
  if (!isMap(target) || !isMap(before)) return target;
  for (const [k, v] of Object.entries(before)) {
    if (!isMap(after) || !(k in after)) delete target[k];
    else if (isMap(v)) prune(target[k], v, after[k]);
  }
  return target;
}

/** The content, without what the server keeps for itself. */
function canonical(obj: Obj): string {
  const { resourceVersion: _rv, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = obj.metadata ?? {};
  const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v);
  return JSON.stringify(sort({ ...obj, metadata: meta }));
}
