// A preview as the API, the CLI and the dashboard show it. Pure.
import { previewVersion } from '../names.js';
import type { PreviewLinks } from './preview-report.js';
import type { Preview } from './preview-state.js';

export interface PreviewView {
  alias: string;
  kind: 'pr' | 'branch';
  number?: number;
  branch?: string;
  /** The newest head asked for, its version and status. */
  commit: string;
  version: string;
  status: Preview['status'];
  /** The version the alias serves now (an older head while the newest builds or after it failed). */
  serving?: string;
  url?: string;
  commitUrl?: string;
  log: string;
  error?: string;
  author?: string;
  pullRequestUrl?: string;
  updatedAt: string;
}

export function previewView(preview: Preview, links: PreviewLinks): PreviewView {
  return {
    alias: preview.alias,
    kind: preview.kind,
    ...(preview.number === undefined ? {} : { number: preview.number }),
    ...(preview.branch ? { branch: preview.branch } : {}),
    commit: preview.commit,
    version: previewVersion(preview.commit),
    status: preview.status,
    ...(preview.served ? { serving: preview.served } : {}),
    ...(preview.served && links.alias ? { url: links.alias } : {}),
    ...(preview.status === 'ready' && links.commit ? { commitUrl: links.commit } : {}),
    log: links.log,
    ...(preview.error ? { error: preview.error } : {}),
    ...(preview.author ? { author: preview.author } : {}),
    ...(preview.url ? { pullRequestUrl: preview.url } : {}),
    updatedAt: preview.updatedAt,
  };
}
