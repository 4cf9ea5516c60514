// Turns a URL path into a safe relative file path, or says why it cannot be one.
// Everything that could leave the version directory is refused here, before any filesystem call.

export const MAX_PATH_LENGTH = 1024;

export type PathResult = { ok: true; segments: string[]; trailingSlash: boolean } | { ok: false; status: 400 | 404 | 414 };

export function parseSitePath(rawPath: string): PathResult {
  if (rawPath.length > MAX_PATH_LENGTH) return { ok: false, status: 414 };
  const parts = rawPath.split('/').slice(1);
  const trailingSlash = parts.at(-1) === '';
  const segments: string[] = [];
  for (const part of trailingSlash ? parts.slice(0, -1) : parts) {
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400 };
    }
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (segment === '' || /[\0\\/]/.test(segment) || /[\x00-\x1f]/.test(segment)) return { ok: false, status: 400 };
    // ".." and "." and every dotfile (.git, .env, .opus) are never served.
    if (segment.startsWith('.')) return { ok: false, status: 404 };
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash };
}
