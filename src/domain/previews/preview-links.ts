// The URLs of a preview: its alias and its commit on the preview domain (with the scheme and port
// users reach the server by), and the build's live log. Without a preview domain only the path URL
// of the commit's version exists. Pure.
import { buildKey, previewVersion } from '../names.js';
import type { PreviewLinks } from './preview-report.js';
import { commitLabel } from './preview-state.js';

export function previewLinks(publicUrl: string, previewDomain: string | undefined, project: string, alias: string | undefined, commit: string): PreviewLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const version = previewVersion(commit);
  const log = `${base}/api/v1/builds/${encodeURIComponent(buildKey(project, version))}/log`;
  if (!previewDomain) return { commit: `${base}/${project}@${version}/`, log };
  const origin = new URL(base);
  const host = (label: string) => `${origin.protocol}//${label}--${project}.${previewDomain}${origin.port ? `:${origin.port}` : ''}/`;
  return { ...(alias ? { alias: host(alias) } : {}), commit: host(commitLabel(commit)), log };
}
