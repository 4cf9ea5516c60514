// A file whose name carries a content hash (app.3f9a1c2e.js, index-BdXz81_k.css) never changes
// under that name, so browsers may keep it forever; everything else is revalidated on every use,
// so a deploy or rollback is seen at once.
// (main.8d2c3b1a.chunk.js too: up to two extensions after the hash.)
const FINGERPRINT = /[.-]([A-Za-z0-9_-]{8,})(?:\.[a-z0-9]+){1,2}$/;
// About a quarter of Vite's 8-character hashes have no digit (index-lIemuBzy.css). Such a hash
// counts when its letters mix case the way no word does: lIemuBzy, not SemiBold or darkMode.
const LETTERS_HASH = /[.-]([A-Za-z]{8})(?:\.[a-z0-9]+){1,2}$/;
const WORD_LIKE = /^(?:[A-Z]?[a-z]{2,})+$/;

export function isFingerprinted(path: string): boolean {
  const hash = FINGERPRINT.exec(path)?.[1];
  if (hash !== undefined && /\d/.test(hash) && /[A-Za-z]/.test(hash)) return true;
  const letters = LETTERS_HASH.exec(path)?.[1];
  return letters !== undefined && /[a-z]/.test(letters) && /[A-Z]/.test(letters) && !WORD_LIKE.test(letters);
}

export function cacheControl(path: string, isFallback: boolean): string {
  return !isFallback && isFingerprinted(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}
