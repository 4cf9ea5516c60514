// The files of a small real Vite 8 app at a given version: index.html shows the version and imports
// src/main.js, which embeds it too, so each version's hashed JS differs. `base: './'` makes the
// built site work under any path, such as /site/.

export function viteApp(version: string): Record<string, string> {
  return {
    'package.json': `${JSON.stringify({ name: 'opus-e2e-site', version, private: true, type: 'module', scripts: { build: 'vite build' }, devDependencies: { vite: '^8' } }, null, 2)}\n`,
    'vite.config.js': "import { defineConfig } from 'vite';\n\nexport default defineConfig({ base: './' });\n",
    '.gitignore': 'node_modules\ndist\n',
    'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Opus e2e site</title>
  </head>
  <body>
    <h1 id="v">${version}</h1>
    <p id="js"></p>
    <script type="module" src="/src/main.js"></script>
  </body>
</html>
`,
    'src/main.js': `export const VERSION = 'opus-site-version-${version}';\n\ndocument.querySelector('#js').textContent = VERSION;\n`,
  };
}

/** The version shown by a page of this app (its <h1 id="v">); undefined when none. */
export function htmlVersion(html: string): string | undefined {
  return /<h1 id="v">([^<]+)<\/h1>/.exec(html)?.[1];
}

/** Every version marker embedded in a built JS file of this app. */
export function jsVersions(js: string): string[] {
  return [...js.matchAll(/opus-site-version-(\d+\.\d+\.\d+)/g)].map((m) => m[1] as string);
}

/**
 * A single-page app on Vite 8 at a given version, for a domain's root (`base: '/'`): a client-side
 * router, an imported stylesheet, and Netlify-style `_redirects`, `_headers` and `404.html` in public/.
 */
export function viteSpa(version: string): Record<string, string> {
  return {
    'package.json': `${JSON.stringify({ name: 'opus-e2e-spa', version, private: true, type: 'module', scripts: { build: 'vite build' }, devDependencies: { vite: '^8' } }, null, 2)}\n`,
    '.gitignore': 'node_modules\ndist\n',
    'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Opus SPA</title>
  </head>
  <body>
    <h1 id="v">${version}</h1>
    <p id="js"></p>
    <p id="route"></p>
    <nav><a id="to-about" data-spa href="/about">About</a></nav>
    <script type="module" src="/src/main.js"></script>
  </body>
</html>
`,
    'src/main.js': `import './style.css';

export const VERSION = 'opus-site-version-${version}';
const render = () => (document.querySelector('#route').textContent = 'route ' + location.pathname);
document.querySelector('#js').textContent = VERSION;
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-spa]');
  if (!link) return;
  event.preventDefault();
  history.pushState({}, '', link.getAttribute('href'));
  render();
});
addEventListener('popstate', render);
render();
`,
    'src/style.css': 'h1 { color: rgb(1, 2, 3); }\n',
    'public/_redirects': '/old /about 301\n',
    'public/_headers': '/*\n  X-Frame-Options: DENY\n',
    'public/404.html': '<h1>custom not found</h1>\n',
    'public/robots.txt': 'User-agent: *\nAllow: /\n',
  };
}
