// A file whose name carries a content hash (app.3f9a1c2e.js, index-BdXz81_k.css) never changes
// under that name, so browsers may keep it forever; everything else is revalidated on every use,
// so a deploy or rollback is seen at once.
// (main.8d2c3b1a.chunk.js too: up to two extensions after the hash.)
const FINGERPRINT = /[.-]([A-Za-z0-9_-]{8,})(?:\.[a-z0-9]+){1,2}$/;

export function isFingerprinted(path: string): boolean {
  const hash = FINGERPRINT.exec(path)?.[1];
  return hash !== undefined && /\d/.test(hash) && /[A-Za-z]/.test(hash);
}

export function cacheControl(path: string, isFallback: boolean): string {
  return !isFallback && isFingerprinted(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}
