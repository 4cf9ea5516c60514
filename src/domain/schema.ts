// The one source of truth for the desired state's shape: the validator and the JSON Schema that
// editors use are both made from these definitions.
import { z } from 'zod';
import { EVENT_NAMES } from './events.js';
import { HOOK_FORMATS } from './hook-format.js';
import { hookId } from './hook-id.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

const duration = z
  .union([z.number().positive(), z.string().regex(new RegExp(DURATION_PATTERN), 'use seconds or e.g. "30s", "15m", "1h"')])
  .describe('Seconds, or a duration such as "30s", "15m", "1h"');
const size = z
  .union([z.number().int().positive(), z.string().regex(new RegExp(SIZE_PATTERN), 'use bytes or e.g. "512m", "2g"')])
  .describe('Bytes, or a size such as "512m", "2g"');
const network = z
  .enum(['default', 'host', 'none'])
  .describe('Docker network of the build: "default" (Docker\'s default), "host" (reach a registry through the host) or "none"');
const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, 'use a lowercase host name such as "www.example.com"');
const relativePath = z
  .string()
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w./@-]+$/, 'use a path inside the source, such as "dist" or "build/public"');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use an environment variable name such as "API_URL"');

const retention = z.strictObject({
  keep: z.number().int().min(1).max(1000).describe('How many built versions to keep per project, besides the live one'),
});

const secretRef = z
  .union([
    z.strictObject({ env: envName.describe('Name of an environment variable of the Opus server') }),
    z.strictObject({ file: z.string().min(1).describe('Path of a file on the Opus server (e.g. a mounted secret)') }),
  ], { error: (issue) => `${issue.input === undefined ? 'required: add it as' : 'use'} { env: NAME } or { file: /path } (the secret itself never goes in git)` })
  .describe('Where the Opus server finds a secret at run time; secrets never live in this repo');

/** A Secret of the build's namespace: only Job builds (builds.runner: kubernetes) can have one, by secretKeyRef. */
const kubernetesSecret = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'a Secret\'s name: lowercase letters, digits, "-" and "."').describe('Name of a Secret in the namespace the build Jobs run in'),
  key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'a key of the Secret: letters, digits, "-", "_" and "."').describe('Key of that Secret'),
});

const buildSecretRef = z
  .union([...secretRef.options, z.strictObject({ kubernetesSecret: kubernetesSecret.describe('A Kubernetes Secret, given to a Job build by secretKeyRef: the server never reads it (nor can it mask it)') })], {
    error: (issue) => `${issue.input === undefined ? 'required: add it as' : 'use'} { env: NAME }, { file: /path } or { kubernetesSecret: { name, key } } (the secret itself never goes in git)`,
  })
  .describe('Where a build secret is found at build time; secrets never live in this repo');

const previews = z
  .strictObject({
    pullRequests: z.boolean().optional().describe('Build every pull request (GitHub, Gitea) or merge request (GitLab) to this source; default true'),
    branches: z
      .array(z.string().regex(/^[^\s~^:?[\\]+$/, 'use a branch name or a glob such as "feature/*" or "release/**"'))
      .optional()
      .describe('Branches whose pushes are built as previews, by name or glob ("*" within a path segment, "**" across); default none'),
    forks: z.boolean().optional().describe('Build pull requests whose head is in a fork (code from outside the repository); default false'),
    label: z
      .string()
      .min(1)
      .max(50)
      .optional()
      .describe('A pull request by an author without write access is built only once a maintainer adds this label (default "preview")'),
    max: z.number().int().min(1).max(100).optional().describe('Previews kept per project, the oldest removed first (default 10)'),
    env: z.record(envName, z.string()).optional().describe('Environment of preview builds, over build.env (no secrets: this file is in git)'),
    secrets: z.record(envName, buildSecretRef).optional().describe('Secrets of preview builds only, as environment variables, each read from a secret of the server (or, for Job builds, a Kubernetes Secret)'),
    productionSecrets: z.boolean().optional().describe('Also give preview builds build.secrets (production\'s); default false'),
  })
  .describe('Previews of pull requests and branches: pr-<n>--<project>, <branch>--<project> and <sha7>--<project> on the preview domain');

const hook = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'use lowercase letters, digits and hyphens, such as "chat-ops"')
    .optional()
    .describe('Shown by the API and CLI, and names the hook\'s outbox (default: derived from the URL)'),
  url: z.url({ protocol: /^https?$/, error: 'use an http(s) URL such as "https://hooks.example.com/opus"' }).describe('Where each event is POSTed as JSON'),
  events: z
    .array(z.enum([...EVENT_NAMES, '*'], { error: `use one of ${EVENT_NAMES.join(', ')}, or "*" for all` }))
    .min(1, 'list at least one event, or ["*"] for all')
    .describe('The events this hook gets, or ["*"] for all'),
  secret: secretRef.optional().describe('The key that signs every delivery (X-Opus-Signature-256); read from a secret of the server. Required for format: opus'),
  format: z.enum(HOOK_FORMATS).optional().describe('The body: opus (the documented, signed JSON; default), slack ({ text, blocks }) or discord ({ content, embeds }) for their incoming webhooks'),
}).refine((h) => h.secret !== undefined || (h.format !== undefined && h.format !== 'opus'), { path: ['secret'], error: 'required: add it as { env: NAME } or { file: /path } (only format: slack or discord hooks may go without)' });

const hooks = z
  .array(hook)
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((h, index) => {
      if (typeof h?.url !== 'string') return;
      const id = hookId(h);
      const first = seen.get(id);
      if (first === undefined) return void seen.set(id, index);
      const message = h.name ? `"${h.name}" is already the name of hook ${first + 1}` : `hook ${first + 1} has the same URL: give one of them a name`;
      ctx.addIssue({ code: 'custom', path: [index, h.name ? 'name' : 'url'], message });
    });
  })
  .describe('Outgoing hooks: each event is POSTed, signed, to every hook that lists it (in order, retried)');

const redirectRule = z.strictObject({
  from: z.string().regex(/^\//, 'starts with "/"').describe('Path pattern: ":name" matches a segment, a trailing "*" the rest (":splat")'),
  to: z.string().min(1).describe('Target path or URL; may use :name and :splat'),
  status: z.union([z.literal(200), z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308), z.literal(404), z.literal(410)]).optional().describe('301 by default; 200 rewrites'),
  force: z.boolean().optional().describe('Apply even when a file exists at "from"'),
});

const headerRule = z.strictObject({
  for: z.string().regex(/^\//, 'starts with "/"').describe('Path pattern the headers apply to'),
  values: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name such as "X-Frame-Options"'), z.string()),
});

const buildLimits = z
  .strictObject({
    output: size.optional().describe('All files of the output together (default "1g"); a sparse file counts by its apparent size'),
    files: z.number().int().positive().optional().describe('Files and directories in the output (default 50000)'),
    file: size.optional().describe('One file of the output (default "50m")'),
    log: size.optional().describe('The build log (default "10m"); what the build prints beyond it is cut, with a note'),
    disk: size.optional().describe('What the build may write inside its container: workspace, node_modules, /tmp (default "10g"); past it the build is stopped'),
  })
  .describe('What one build may leave behind; a build over a limit fails and the live version keeps serving');
const cpus = z.number().positive().max(256).describe('CPUs the build container may use, e.g. 1.5 (default 2)');
const pids = z.number().int().min(32).max(1_000_000).describe('Processes and threads the build container may run at once (default 1024)');
const buildUser = z
  .string()
  .regex(/^[\w.-]+(?::[\w.-]+)?$/, 'use "uid:gid" such as "1000:1000", or a user name of the image such as "node"')
  .describe('User the build command runs as (default "1000:1000"; "root" only if the build truly needs it)');

export const buildSchema = z.strictObject({
  image: z.string().min(1).describe('Docker image the build runs in, e.g. "node:20"'),
  command: z.string().min(1).describe('Shell command that builds the app, e.g. "npm ci && npm run build"'),
  output: relativePath.optional().describe('Directory the command writes the site to (default "dist")'),
  env: z.record(envName, z.string()).optional().describe('Environment variables of the build (no secrets: this file is in git)'),
  network: network.optional(),
  timeout: duration.optional().describe('The build is killed after this long (default from opus.yaml, else 15m)'),
  memory: size.optional().describe('Memory limit of the build container (default from opus.yaml, else 2g)'),
  cpus: cpus.optional(),
  pids: pids.optional(),
  user: buildUser.optional(),
  limits: buildLimits.optional(),
  secrets: z
    .record(envName, buildSecretRef)
    .optional()
    .describe('Environment variables of the build read from secrets of the server at build time, e.g. NPM_TOKEN: { env: OPUS_NPM_TOKEN }; masked in the build log. Job builds can also take { kubernetesSecret: { name, key } }'),
  cache: z.boolean().optional().describe('Keep a package cache between builds of this project (a Docker volume of this server and project, opus-cache-<server>-<project>, at /opus/cache, removed with the project; default true)'),
});

export const projectSchema = z
  .strictObject({
    source: z.string().min(1).describe('Git URL or local path of the app\'s repository'),
    deploy: z.string().min(1).optional().describe('The version to serve: a git tag of the source, or "latest" for the newest semver tag'),
    build: buildSchema,
    prebuild: z.boolean().optional().describe('Build every tag pushed to the source ahead of deploy (needs a push webhook); default false'),
    domains: z.array(hostname).optional().describe('Host names this project is served on, besides /<project>/'),
    retention: retention.optional(),
    previews: previews.optional(),
    spa: z.boolean().optional().describe('Single-page app: unknown paths that do not look like files get index.html'),
    redirects: z.array(redirectRule).optional().describe('Redirect and rewrite rules, as in a Netlify _redirects file (applied after the build output\'s own _redirects)'),
    headers: z.array(headerRule).optional().describe('Extra response headers by path, as in a Netlify _headers file'),
    hsts: z
      .union([
        z.boolean(),
        z.strictObject({
          maxAge: duration.optional().describe('How long browsers remember to use HTTPS only (default 8760h, a year)'),
          includeSubDomains: z.boolean().optional().describe('Also for every subdomain of each host (default false)'),
          preload: z.boolean().optional().describe('Ask to be in browsers\' preload lists (default false; needs includeSubDomains and a year)'),
        }),
      ])
      .optional()
      .describe('Strict-Transport-Security on the site\'s answers, so browsers use HTTPS only (opt-in: default off)'),
    auth: z
      .strictObject({ username: z.string().min(1), passwordHash: secretRef.describe('A bcrypt hash (htpasswd -B), read from a secret of the server') })
      .optional()
      .describe('HTTP basic auth for the whole site, its previews included'),
  })
  .describe('An Opus project: projects/<name>.yaml');

export const settingsSchema = z
  .strictObject({
    builds: z
      .strictObject({
        concurrency: z.number().int().min(1).max(64).optional().describe('How many builds run at once (default 2)'),
        timeout: duration.optional(),
        memory: size.optional(),
        network: network.optional(),
        cpus: cpus.optional(),
        pids: pids.optional(),
        user: buildUser.optional(),
        limits: buildLimits.optional(),
        runner: z
          .enum(['docker', 'kubernetes'])
          .optional()
          .describe('Where builds run: "docker" (the Docker Engine of the server, default) or "kubernetes" (a Job per build, when the server runs in a cluster)'),
      })
      .optional(),
    retention: retention.optional(),
    sync: z.strictObject({ interval: duration.optional().describe('How often the config repo is fetched (default 60s)') }).optional(),
    previews: z
      .strictObject({ domain: hostname.describe('Base domain: version 1.2.0 of "site" is at 1-2-0--site.<domain>') })
      .optional()
      .describe('Preview URLs by host name, besides /<project>@<version>/'),
    hooks: hooks.optional(),
    tls: z
      .strictObject({
        email: z.email().optional().describe('ACME account email (opus server --acme-email and OPUS_ACME_EMAIL win over it)'),
        directory: z.url({ protocol: /^https$/ }).optional().describe('ACME directory URL of the CA (default Let\'s Encrypt; --acme-directory wins)'),
        onDemand: z.boolean().optional().describe('Order a preview host\'s certificate at its first visit (built versions only, rate limited; default true). A wildcard certificate from files covers previews without'),
      })
      .optional()
      .describe('Certificates by ACME for the dashboard host and every project domain (with opus server --https-port)'),
  })
  .describe('Opus settings shared by all projects: opus.yaml');

export type ProjectFile = z.infer<typeof projectSchema>;
export type SecretRef = z.infer<typeof secretRef>;
export type BuildSecretRef = z.infer<typeof buildSecretRef>;
export type PreviewsFile = z.infer<typeof previews>;
export type SettingsFile = z.infer<typeof settingsSchema>;

export function jsonSchemas(): { project: unknown; settings: unknown } {
  return {
    project: z.toJSONSchema(projectSchema, { io: 'input' }),
    settings: z.toJSONSchema(settingsSchema, { io: 'input' }),
  };
}
