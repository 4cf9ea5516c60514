// The OpenAPI 3.1 description of /api/v1 (and of /healthz, /readyz, /metrics), served at
// /api/v1/openapi.json. A test checks that every route the router has is described here.
import { DELIVERY_STATUSES } from '../../domain/hook-deliveries.js';
import type Router from '@koa/router';
import { schemas } from './openapi-schemas.js';

type Operation = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'Project name' };
const version = { name: 'version', in: 'path', required: true, schema: { type: 'string' }, description: 'A built version' };
const buildId = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Build id: <project>@<version>, URL-encoded' };
/** Reads need the token only when the server protects reads (or the project has basic auth: then its credentials do too); changes always do. */
const read = { security: [{}, { bearer: [] }] };
const change = { security: [{ bearer: [] }] };
const unauthorized = { 401: error('No or a wrong API token') };

function get(summary: string, responses: Record<string, unknown>, extra: Operation = {}): Operation {
  return { summary, ...read, responses: { ...responses, ...unauthorized }, ...extra };
}

function configChange(summary: string, body: Record<string, unknown>): Operation {
  const result = { type: 'object', required: ['message', 'changed'], properties: { message: { type: 'string' }, changed: { type: 'boolean' }, commit: { type: 'string' }, pushed: { type: 'boolean' }, pullRequest: { type: 'object', properties: { number: { type: 'integer' }, url: { type: 'string' }, branch: { type: 'string' }, base: { type: 'string' } } } } };
  return {
    summary,
    ...change,
    parameters: [name],
    requestBody: { required: true, content: { 'application/json': { schema: body } } },
    responses: {
      200: json(result, 'Nothing to change (already deployed there)'),
      201: json(result, 'Committed (and pushed when the repo has a remote), or the pull request opened'),
      400: error('Bad input: an unknown tag, a dirty or diverged config repo, nothing to roll back to'),
      404: error('No such project'),
      409: error('The config repo\'s remote refused the push (it moved on twice meanwhile, or a hook or branch protection declined it): nothing changed'),
      502: error('The config repo\'s remote or the forge could not be reached'),
      ...unauthorized,
    },
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Opus API',
    version: '1',
    description: 'GitOps CI/CD and hosting for frontend apps. Send `Authorization: Bearer <token>` (the server\'s OPUS_API_TOKEN, or the admin token in <data dir>/state/admin-token). A project with basic auth is private: its reads take the token or its own credentials (`Authorization: Basic`).',
  },
  servers: [{ url: '/api/v1' }],
  components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/projects': { get: get('Every project: desired and live version, status with its reason, last build, URLs', { 200: json({ type: 'object', properties: { projects: { type: 'array', items: ref('Project') } } }, 'The projects, by name') }) },
    '/projects/{name}': { get: get('One project', { 200: json(ref('Project'), 'The project'), 404: error('No such project') }, { parameters: [name] }) },
    '/projects/{name}/artifacts': {
      get: get('Every built version with commit, size, files, build time, whether live, preview and archive URLs', {
        200: json({ type: 'object', properties: { project: { type: 'string' }, artifacts: { type: 'array', items: ref('Artifact') } } }, 'Newest first'),
        404: error('No such project'),
      }, { parameters: [name] }),
    },
    '/projects/{name}/artifacts/{version}/archive': {
      get: get('The version\'s output as a tar.gz, exactly as served: the reproducible archive stored at publish, with Content-Length (a version published before archives were stored: packed when asked, chunked)', {
        200: { description: 'The archive', content: { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } } } },
        404: error('No such project, version or archive'),
        503: error('Two archives are being packed already: try again after Retry-After seconds'),
      }, { parameters: [name, version] }),
    },
    '/projects/{name}/artifacts/{version}': {
      delete: {
        summary: 'Remove a built version (its directory and archive)',
        ...change,
        parameters: [name, version],
        responses: {
          200: json({ type: 'object', properties: { project: { type: 'string' }, version: { type: 'string' }, removed: { const: true } } }, 'Removed'),
          404: error('No such project or version'),
          409: error('The version is live, or the one the config repo deploys'),
          ...unauthorized,
        },
      },
    },
    '/projects/{name}/deploy': {
      post: configChange('Deploy a version: the commit (or pull request) `opus deploy` makes, to the config repo on this machine', { type: 'object', required: ['version'], properties: { version: { type: 'string', description: 'A tag of the source, or "latest"' }, pr: { type: 'boolean', default: false } } }),
    },
    '/projects/{name}/rollback': {
      post: configChange('Roll back: the commit (or pull request) `opus rollback` makes (the previous deploy, or `to`)', { type: 'object', properties: { to: { type: 'string' }, pr: { type: 'boolean', default: false } } }),
    },
    '/projects/{name}/history': {
      get: get('Deploy history from the config repo\'s git log: who, when, from which version to which', {
        200: json({ type: 'object', properties: { project: { type: 'string' }, history: { type: 'array', items: ref('HistoryEntry') } } }, 'Newest first'),
        400: error('Bad limit'),
        404: error('No such project'),
      }, { parameters: [name, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, description: 'At most this many commits of the project file are read' }] }),
    },
    '/projects/{name}/previews': {
      get: get('Previews of pull requests and branches: alias, newest head and its status, URLs, build log', {
        200: json({ type: 'object', properties: { project: { type: 'string' }, enabled: { type: 'boolean', description: 'The project has previews: in its file' }, previews: { type: 'array', items: ref('Preview') } } }, 'Newest first'),
        404: error('No such project'),
      }, { parameters: [name] }),
    },
    '/sync': {
      get: get('The last sync\'s report', { 200: json(ref('SyncReport'), 'The report') }),
      post: { summary: 'Fetch the config repo and apply it now', ...change, responses: { 200: json(ref('SyncReport'), 'What the sync did'), ...unauthorized } },
    },
    '/projects/{project}/builds': {
      post: {
        summary: 'Build a tag of a project now (any tag, or "latest"); `force` builds again a version already built',
        ...change,
        parameters: [{ ...name, name: 'project' }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['version'], properties: { version: { type: 'string' }, force: { type: 'boolean' } } } } } },
        responses: {
          202: json(ref('Build'), 'Queued'),
          200: json(ref('Build'), 'Already built (alreadyBuilt: true), nothing queued'),
          400: error('Not a version, or a tag the source does not have (or no semver tag for "latest")'),
          404: error('No such project'),
          409: error('The project file or opus.yaml is invalid'),
          502: error('The source repository cannot be read'),
          503: error('The server has not read the config repo yet, or takes no build triggers'),
          ...unauthorized,
        },
      },
    },
    '/builds': {
      get: get('Queued and running builds, then recent finished ones', { 200: json({ type: 'object', properties: { builds: { type: 'array', items: ref('Build') } } }, 'The builds') }, {
        parameters: [
          { name: 'project', in: 'query', schema: { type: 'string' }, description: 'Only this project\'s builds' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        ],
      }),
    },
    '/builds/{id}': {
      get: get('One build with its status', { 200: json(ref('Build'), 'The build'), 400: error('Not a build id'), 404: error('No such build') }, { parameters: [buildId] }),
      delete: {
        summary: 'Cancel a queued or running build',
        ...change,
        parameters: [buildId],
        responses: { 200: json(ref('Build'), 'Cancelled'), 202: json({ type: 'object' }, 'Cancelling'), 404: error('No such build'), 409: error('Not queued or running'), ...unauthorized },
      },
    },
    '/builds/{id}/log': {
      get: get('The build\'s log: text once the build is over; while it is queued or running, Server-Sent Events (`data:` lines of the log, then `event: end` with {id, status, error})', {
        200: { description: 'The log', content: { 'text/plain': { schema: { type: 'string' } }, 'text/event-stream': { schema: { type: 'string' } } } },
        404: error('No such build'),
        503: error('Too many followers'),
      }, { parameters: [buildId, { name: 'follow', in: 'query', schema: { enum: ['0', '1'] }, description: '0: the log so far as text, even while the build runs' }] }),
    },
    '/hooks/deliveries': {
      get: get('Outgoing hook deliveries, newest first (see src/server/api/hooks.ts)', { 200: json({ type: 'object', properties: { deliveries: { type: 'array', items: { type: 'object' } } } }, 'The deliveries'), 400: error('Bad filter'), 404: error('Outgoing hooks are not enabled') }, {
        parameters: [
          { name: 'hook', in: 'query', schema: { type: 'string' }, description: 'A hook by id or name' },
          { name: 'status', in: 'query', schema: { enum: [...DELIVERY_STATUSES] } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        ],
      }),
    },
    '/hooks/deliveries/{id}': { get: get('One delivery with its attempts (never its secret)', { 200: json({ type: 'object' }, 'The delivery'), 404: error('No such delivery') }, { parameters: [{ ...buildId, description: 'Delivery id' }] }) },
    '/hooks/deliveries/{id}/redeliver': {
      post: { summary: 'Send a delivery again', ...change, parameters: [{ ...buildId, description: 'Delivery id' }], responses: { 202: json({ type: 'object' }, 'Queued again'), 404: error('No such delivery'), ...unauthorized } },
    },
    '/certificates': {
      get: get('Certificates served over HTTPS (own files and ACME): host name, source, expiry, renewal time, the last failure and the next attempt', {
        200: json({ type: 'object', properties: { https: { type: 'boolean' }, certificates: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, source: { enum: ['acme', 'files'] }, notAfter: { type: 'string' }, renewAt: { type: 'string' }, error: { type: 'string' }, failedAt: { type: 'string' }, nextAttemptAt: { type: 'string' } } } } } }, 'The certificates'),
      }),
    },
    '/openapi.json': { get: get('This document', { 200: json({ type: 'object' }, 'OpenAPI 3.1') }) },
    '/healthz': { servers: [{ url: '/' }], get: { summary: 'Liveness: the process answers', security: [{}], responses: { 200: json({ type: 'object' }, 'Alive') } } },
    '/readyz': {
      servers: [{ url: '/' }],
      get: { summary: 'Readiness: ready once the first sync has finished', security: [{}], responses: { 200: json({ type: 'object' }, 'Ready'), 503: json({ type: 'object' }, 'Not yet') } },
    },
    '/metrics': {
      servers: [{ url: '/' }],
      get: get('Prometheus metrics: builds, build duration, queue length, syncs, HTTP requests', { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } }),
    },
  },
} as const;

export function openApiRoutes(router: Router): void {
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument;
  });
}
