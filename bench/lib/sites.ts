// The sites the benchmarks publish, shaped like `vite build` output (base: './').
import { cssLike, fontLike, indexHtml, jsLike, pngImage, viteHash } from './site-fixture.js';
import type { SiteFilesMap } from './opus.js';

export interface BuiltSite {
  files: SiteFilesMap;
  /** Path of the entry JS within the version, e.g. assets/index-AbC12dEf.js */
  entryJs: string;
}

const hashed = (stem: string, ext: string, content: string | Buffer) => `assets/${stem}-${viteHash(content)}.${ext}`;

const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#4f46e5"/><path d="M9 16h14M16 9v14" stroke="#fff" stroke-width="3"/></svg>\n';

/**
 * The serving benchmark's site: index.html (~1.5 KB, with the version marker), a ~150 KB hashed
 * entry JS (the marker is in it too), a CSS file and an image. Only index.html and the JS differ
 * between markers.
 */
export function serveSite(marker: string): BuiltSite {
  const js = jsLike(150 * 1024, 1000 + marker.charCodeAt(0), marker);
  const css = cssLike(24 * 1024, 7);
  const png = pngImage(160, 120, 3);
  const entryJs = hashed('index', 'js', js);
  const cssPath = hashed('index', 'css', css);
  return {
    entryJs,
    files: {
      'index.html': indexHtml(marker, [entryJs], [cssPath]),
      [entryJs]: js,
      [cssPath]: css,
      [hashed('hero', 'png', png)]: png,
      'favicon.svg': FAVICON,
    },
  };
}

/**
 * The storage benchmark's site at release `n`: only the app chunk (~50 KB) and index.html change;
 * the vendor chunk (~300 KB), CSS, images and fonts (~1 MB together) are the same in every release.
 */
export function storageSite(n: number): BuiltSite {
  const app = jsLike(50 * 1024, 5000 + n, `release-${n}`);
  const vendor = jsLike(300 * 1024, 42, 'vendor');
  const css = cssLike(40 * 1024, 9);
  const binaries: Record<string, Buffer> = {
    [`hero.png`]: pngImage(360, 260, 11),
    [`team.png`]: pngImage(300, 240, 12),
    [`screenshot.png`]: pngImage(380, 300, 13),
    [`inter-latin.woff2`]: fontLike(110 * 1024, 14),
    [`inter-latin-ext.woff2`]: fontLike(80 * 1024, 15),
  };
  const entryJs = hashed('index', 'js', app);
  const vendorJs = hashed('vendor', 'js', vendor);
  const cssPath = hashed('index', 'css', css);
  const files: SiteFilesMap = {
    'index.html': indexHtml(`release-${n}`, [entryJs, vendorJs], [cssPath]),
    [entryJs]: app,
    [vendorJs]: vendor,
    [cssPath]: css,
    'favicon.svg': FAVICON,
    'robots.txt': 'User-agent: *\nAllow: /\n',
  };
  for (const [name, content] of Object.entries(binaries)) {
    const dot = name.lastIndexOf('.');
    files[hashed(name.slice(0, dot), name.slice(dot + 1), content)] = content;
  }
  return { files, entryJs };
}
