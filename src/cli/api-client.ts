// How CLI commands talk to a running Opus server: URL and token from flags, the environment, or
// the file `opus login` writes; errors that say what to do next.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { UserError, errorMessage } from '../domain/errors.js';
import { readAdminToken } from '../runtime/admin-token.js';
import { defaultDataDir } from '../runtime/defaults.js';

export interface CliLogin {
  server: string;
  token?: string;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** Exit codes scripts can rely on (README: "Exit codes"). */
export const EXIT = { ok: 0, failed: 1, badInput: 2, auth: 3, notFound: 4 } as const;

/** 404 → not found; other 4xx → bad input; 5xx → failed. */
export function exitCodeFor(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  return status >= 400 && status < 500 ? EXIT.badInput : EXIT.failed;
}

export function loginFile(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'opus', 'cli.json');
}

export function savedLogin(): Partial<CliLogin> {
  const path = loginFile();
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<CliLogin>;
  } catch {
    throw new UserError(`${path} is not valid JSON`, ['run opus login again']);
  }
}

/**
 * A server on this machine made its admin token under the same data dir the CLI defaults to: read
 * it, so the first commands need no login. Never sent to a server elsewhere.
 */
function localAdminToken(server: string): string | undefined {
  let host: string;
  try {
    host = new URL(server).hostname;
  } catch {
    return undefined;
  }
  const local = host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  return local ? readAdminToken(defaultDataDir()) : undefined;
}

export const serverFlags = {
  server: Flags.string({ env: 'OPUS_SERVER', description: `URL of the Opus server (default: from opus login, else ${DEFAULT_SERVER})` }),
  token: Flags.string({ env: 'OPUS_TOKEN', description: 'API token (default: from opus login)' }),
};

export class ApiClient {
  readonly server: string;
  private readonly token: string | undefined;
  /** Where the token came from, to say which one was refused. */
  private readonly tokenFrom: string;

  constructor(flags: { server?: string | undefined; token?: string | undefined }) {
    const saved = savedLogin();
    this.server = (flags.server ?? saved.server ?? DEFAULT_SERVER).replace(/\/+$/, '');
    this.token = flags.token ?? saved.token ?? localAdminToken(this.server);
    this.tokenFrom = flags.token !== undefined ? (process.env.OPUS_TOKEN === flags.token ? 'OPUS_TOKEN' : '--token') : saved.token !== undefined ? loginFile() : 'the server\'s admin token file';
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** The raw response, for downloads and event streams. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.server}/api/v1${path}`, { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string> | undefined) } });
    } catch (error) {
      throw new UserError(`cannot reach the Opus server at ${this.server}: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`, [
        'start it with: opus server',
        'or point --server (or OPUS_SERVER) at it, or run opus login --server <url>',
      ], EXIT.failed);
    }
    if (response.ok) return response;
    const text = await response.text();
    const message = (() => {
      try {
        return (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        return text;
      }
    })();
    if (response.status === 401 || response.status === 403) {
      const sent = this.token === undefined ? 'no API token was sent' : `the API token from ${this.tokenFrom} was refused`;
      const fix = this.token === undefined ? 'give one: opus login --server <url> --token <token>, OPUS_TOKEN or --token (a server on this machine keeps its admin token in <data dir>/state/admin-token)' : 'check it against the server\'s OPUS_API_TOKEN, or its <data dir>/state/admin-token when it runs without one, then opus login again (or fix OPUS_TOKEN / --token)';
      throw new UserError(`${sent}: ${message}`, [fix], EXIT.auth);
    }
    throw new UserError(message || `the server answered ${response.status}`, [], exitCodeFor(response.status));
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    return (await response.json()) as T;
  }

  private headers(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }
}
