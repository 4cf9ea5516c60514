// Pure HTTP decisions for static files: content coding, conditional requests and ranges.

export type Coding = 'br' | 'gzip' | 'identity';

const remembered = new Map<string, Coding>();

/** br, then gzip, when the client accepts them (q > 0); else identity. Clients send few distinct headers, so answers are kept. */
export function chooseCoding(acceptEncoding: string | undefined, available: { br: boolean; gzip: boolean }): Coding {
  if (!acceptEncoding) return 'identity';
  const key = `${available.br ? 'b' : ''}${available.gzip ? 'g' : ''}${acceptEncoding}`;
  let coding = remembered.get(key);
  if (coding === undefined) {
    coding = negotiate(acceptEncoding, available);
    if (remembered.size > 1000) remembered.clear();
    remembered.set(key, coding);
  }
  return coding;
}

function negotiate(acceptEncoding: string, available: { br: boolean; gzip: boolean }): Coding {
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const ok = (coding: string) => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0;
  if (available.br && ok('br')) return 'br';
  if (available.gzip && (ok('gzip') || ok('x-gzip'))) return 'gzip';
  return 'identity';
}

/** RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for If-None-Match. */
export function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifNoneMatch !== undefined) {
    // The usual revalidation sends back exactly the ETag it was given: no parsing needed.
    if (ifNoneMatch === etag) return true;
    if (ifNoneMatch.trim() === '*') return true;
    const bare = etag.replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && lastModified.getTime() <= since;
  }
  return false;
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * A single byte range (`bytes=0-99`, `bytes=100-`, `bytes=-50`). Several ranges, or a malformed
 * header, are ignored (the whole file is sent), which RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** If-Range: the range applies only while the client's copy is still current. */
export function rangeStillValid(ifRange: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === etag;
  return Date.parse(ifRange) >= lastModified.getTime();
}
