// A stand-in for a forge on 127.0.0.1 (no hosted API can be reached from tests): real git over
// smart HTTP (`git http-backend`) for the repositories under `root`, and the pull-request calls of
// GitHub's REST API (under /api/v3, as GitHub Enterprise serves it) and of Gitea's (under /api/v1),
// and the commit-status and comment calls of those two and GitLab's (/api/v4, forge-status-api.ts).
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forgeStatusApi, type ForgeStatusApi } from './forge-status-api.js';

export interface PullCall {
  forge: 'github' | 'gitea';
  path: string;
  authorization: string;
  body: { title?: string; body?: string; head?: string; base?: string };
}

export interface ForgeStandIn {
  url: string;
  calls: PullCall[];
  /** Commit statuses and comments, as set through the APIs. */
  api: ForgeStatusApi;
  close(): Promise<void>;
}

/** `tokens`: the token each forge accepts; any other gets 401 as the real ones answer. */
export async function startForgeStandIn(root: string, tokens: { github: string; gitea: string; gitlab?: string }): Promise<ForgeStandIn> {
  const calls: PullCall[] = [];
  let url = '';
  const users = { github: { [tokens.github]: 'opus-bot' }, gitea: { [tokens.gitea]: 'opus-bot' }, ...(tokens.gitlab ? { gitlab: { [tokens.gitlab]: 'opus-bot' } } : {}) };
  const api = forgeStatusApi(users, () => url);
  const server = createServer((req, res) => {
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    if (path.startsWith('/api/')) {
      void api.handle(req, res, path, new URLSearchParams(query)).then((handled) => {
        if (!handled) route(req, res, path);
      }, () => send(res, 500, { message: 'stand-in failure' }));
      return;
    }
    route(req, res, path);
  });
  const route = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const pulls = /^\/api\/(v3|v1)\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (pulls && req.method === 'POST') return void pullRequest(req, res, pulls[1] === 'v3' ? 'github' : 'gitea', path, calls, tokens, `${pulls[2]}/${pulls[3]}`);
    if (path.startsWith('/api/')) return void send(res, 404, { message: 'Not Found' });
    gitHttpBackend(root, req, res);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    api,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function pullRequest(req: IncomingMessage, res: ServerResponse, forge: PullCall['forge'], path: string, calls: PullCall[], tokens: { github: string; gitea: string }, repo: string) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const authorization = req.headers.authorization ?? '';
  calls.push({ forge, path, authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as PullCall['body'] });
  const expected = forge === 'github' ? `Bearer ${tokens.github}` : `token ${tokens.gitea}`;
  if (authorization !== expected) return send(res, 401, { message: forge === 'github' ? 'Bad credentials' : 'user does not exist' });
  const number = calls.length;
  send(res, 201, { number, html_url: `http://forge.test/${repo}/pull/${number}`, state: 'open' });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Runs `git http-backend` as a CGI program for one request. */
function gitHttpBackend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const [path = '/', query = ''] = (req.url ?? '/').split('?');
  const child = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: 'opus-test',
      PATH_INFO: decodeURIComponent(path),
      QUERY_STRING: query,
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => res.end());
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
