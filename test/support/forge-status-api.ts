// The commit-status and comment calls of the forge stand-in, answering as the real APIs document:
// GitHub (/api/v3: POST /repos/{o}/{r}/statuses/{sha} → 201, states pending|success|failure|error,
// 422 otherwise; issue comments listed 30 a page by default, up to per_page=100, with a Link
// header; PATCH /repos/{o}/{r}/issues/comments/{id}), Gitea (/api/v1: the same paths, `limit`
// instead of per_page, also the "warning" state) and GitLab (/api/v4: POST /projects/:id/statuses/:sha
// with pending|running|success|failed|canceled, 400 for the same state again; merge request notes,
// X-Next-Page and Link headers; PUT to edit). Where it differs from them: one user per token, no
// rate limits, no ETags, commits are not checked to exist (GitHub answers 422 for an unknown sha).
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Forge = 'github' | 'gitea' | 'gitlab';

export interface StatusCall {
  forge: Forge;
  repo: string;
  sha: string;
  state: string;
  targetUrl?: string;
  description?: string;
  context: string;
  at: number;
}

export interface StoredComment {
  id: number;
  body: string;
  user: string;
}

export interface ForgeStatusApi {
  statuses: StatusCall[];
  /** Comments by `<forge>:<repo>#<number>`. */
  comments: Map<string, StoredComment[]>;
  /** Every status or comment request, as "METHOD path". */
  requests: string[];
  /** Adds comments by someone else (to fill pages). */
  seed(forge: Forge, repo: string, number: number, bodies: string[], user?: string): void;
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<boolean>;
}

const STATES: Record<Forge, string[]> = { github: ['pending', 'success', 'failure', 'error'], gitea: ['pending', 'success', 'failure', 'error', 'warning'], gitlab: ['pending', 'running', 'success', 'failed', 'canceled'] };

/** `users`: token → the login it authenticates (as the Authorization header of each forge carries it). */
export function forgeStatusApi(users: Partial<Record<Forge, Record<string, string>>>, publicUrl: () => string): ForgeStatusApi {
  const statuses: StatusCall[] = [];
  const comments = new Map<string, StoredComment[]>();
  const requests: string[] = [];
  let nextId = 1000;
  const api: ForgeStatusApi = {
    statuses,
    comments,
    requests,
    seed(forge, repo, number, bodies, user = 'someone') {
      const list = comments.get(`${forge}:${repo}#${number}`) ?? [];
      for (const body of bodies) list.push({ id: (nextId += 1), body, user });
      comments.set(`${forge}:${repo}#${number}`, list);
    },
    async handle(req, res, path, query) {
      const route = match(path);
      if (!route) return false;
      requests.push(`${req.method} ${path}`);
      const { forge } = route;
      const user = authenticate(forge, req, users[forge] ?? {});
      if (!user) return send(res, 401, forge === 'gitlab' ? { message: '401 Unauthorized' } : { message: forge === 'github' ? 'Bad credentials' : 'token is required' });
      const body = req.method === 'GET' ? {} : await readJson(req);
      if (route.kind === 'status' && req.method === 'POST') return status(forge, route.repo, route.sha ?? '', body, res);
      const key = `${forge}:${route.repo}#${route.number}`;
      if (route.kind === 'comments' && req.method === 'GET') return list(forge, path, query, comments.get(key) ?? [], res);
      if (route.kind === 'comments' && req.method === 'POST') {
        if (typeof body.body !== 'string' || body.body === '') return send(res, forge === 'github' ? 422 : 400, { message: 'body is missing' });
        const comment = { id: (nextId += 1), body: body.body, user };
        comments.set(key, [...(comments.get(key) ?? []), comment]);
        return send(res, 201, shape(forge, comment));
      }
      const edit = forge === 'gitlab' ? req.method === 'PUT' : req.method === 'PATCH';
      if (route.kind === 'comment' && edit) {
        // GitHub and Gitea name a comment by its id in the repository; GitLab within its merge request.
        const found = [...comments.entries()].flatMap(([k, list]) => list.map((c) => ({ k, c }))).find(({ k, c }) => c.id === route.id && (forge === 'gitlab' ? k === key : k.startsWith(`${forge}:${route.repo}#`)));
        if (!found) return send(res, 404, { message: 'Not Found' });
        if (found.c.user !== user) return send(res, 403, { message: forge === 'gitlab' ? '403 Forbidden' : 'Must have admin rights to Repository.' });
        found.c.body = String(body.body);
        return send(res, 200, shape(forge, found.c));
      }
      return send(res, 404, { message: 'Not Found' });
    },
  };
  return api;

  function status(forge: Forge, repo: string, sha: string, body: Record<string, unknown>, res: ServerResponse): true {
    const state = String(body.state ?? '');
    if (!STATES[forge].includes(state)) {
      return send(res, forge === 'github' ? 422 : 400, forge === 'gitlab' ? { error: 'state does not have a valid value' } : { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', field: 'state', message: `state is not included in the list` }] });
    }
    const context = String((forge === 'gitlab' ? body.name : body.context) ?? 'default');
    const last = [...statuses].reverse().find((s) => s.forge === forge && s.repo === repo && s.sha === sha && s.context === context);
    if (forge === 'gitlab' && last?.state === state) return send(res, 400, { message: `Cannot transition status via :${state === 'running' ? 'run' : state} from :${state}` });
    const call: StatusCall = { forge, repo, sha, state, context, at: performance.now(), ...(typeof body.target_url === 'string' ? { targetUrl: body.target_url } : {}), ...(typeof body.description === 'string' ? { description: body.description } : {}) };
    statuses.push(call);
    const id = statuses.length;
    return send(res, 201, forge === 'gitlab'
      ? { id, sha, ref: null, status: state, name: context, target_url: call.targetUrl ?? null, description: call.description ?? null }
      : { id, url: `${publicUrl()}/api/v3/repos/${repo}/statuses/${sha}`, state, target_url: call.targetUrl ?? null, description: call.description ?? null, context, creator: { login: 'opus-bot' } });
  }

  function list(forge: Forge, path: string, query: URLSearchParams, all: StoredComment[], res: ServerResponse): true {
    const size = Math.min(100, Number(query.get(forge === 'gitea' ? 'limit' : 'per_page')) || (forge === 'gitlab' ? 20 : 30));
    const page = Math.max(1, Number(query.get('page')) || 1);
    const last = Math.max(1, Math.ceil(all.length / size));
    const link = (p: number, rel: string) => `<${publicUrl()}${path}?${forge === 'gitea' ? 'limit' : 'per_page'}=${size}&page=${p}>; rel="${rel}"`;
    const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
    const headers: Record<string, string> = { ...(links.length ? { Link: links.join(', ') } : {}), ...(forge === 'gitlab' ? { 'X-Next-Page': page < last ? String(page + 1) : '', 'X-Total': String(all.length) } : {}), ...(forge === 'gitea' ? { 'X-Total-Count': String(all.length) } : {}) };
    return send(res, 200, all.slice((page - 1) * size, page * size).map((c) => shape(forge, c)), headers);
  }
}

interface Route {
  forge: Forge;
  kind: 'status' | 'comments' | 'comment';
  repo: string;
  sha?: string;
  /** The pull request's number (GitLab: the merge request's iid). */
  number?: number;
  /** The comment's id. */
  id?: number;
}

function match(path: string): Route | undefined {
  const hub = /^\/api\/(v3|v1)\/repos\/([^/]+\/[^/]+)\/(?:statuses\/([0-9a-f]{40})|issues\/(\d+)\/comments|issues\/comments\/(\d+))$/.exec(path);
  if (hub) {
    const forge: Forge = hub[1] === 'v3' ? 'github' : 'gitea';
    const repo = decodeURIComponent(hub[2] as string);
    if (hub[3]) return { forge, kind: 'status', repo, sha: hub[3] };
    return hub[4] ? { forge, kind: 'comments', repo, number: Number(hub[4]) } : { forge, kind: 'comment', repo, id: Number(hub[5]) };
  }
  const lab = /^\/api\/v4\/projects\/([^/]+)\/(?:statuses\/([0-9a-f]{40})|merge_requests\/(\d+)\/notes(?:\/(\d+))?)$/.exec(path);
  if (!lab) return undefined;
  const repo = decodeURIComponent(lab[1] as string);
  if (lab[2]) return { forge: 'gitlab', kind: 'status', repo, sha: lab[2] };
  return { forge: 'gitlab', kind: lab[4] ? 'comment' : 'comments', repo, number: Number(lab[3]), ...(lab[4] ? { id: Number(lab[4]) } : {}) };
}

function authenticate(forge: Forge, req: IncomingMessage, users: Record<string, string>): string | undefined {
  const header = forge === 'gitlab' ? String(req.headers['private-token'] ?? '') : (req.headers.authorization ?? '');
  const scheme = forge === 'github' ? 'Bearer ' : 'token ';
  const token = forge === 'gitlab' ? header : header.startsWith(scheme) ? header.slice(scheme.length) : '';
  return token ? users[token] : undefined;
}

function shape(forge: Forge, c: StoredComment): unknown {
  return forge === 'gitlab' ? { id: c.id, body: c.body, author: { username: c.user }, system: false } : { id: c.id, body: c.body, user: { login: c.user } };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return true;
}
