// JSON Schemas (OpenAPI 3.1 components) of what /api/v1 answers; kept beside the routes they describe.

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const url = { type: 'string', format: 'uri' } as const;

import { BUILD_STATUSES, BUILD_TRIGGERS } from '../../domain/build-record.js';
import { BUILD_VIEW_STATUSES } from '../../domain/builds.js';
import { DEPLOY_KINDS } from '../../domain/deploy-history.js';
import { SYNC_STATUSES } from '../../domain/project-filter.js';

/** The enums are the domain's own lists, so the document cannot drift from what the API sends. */
export const SYNC_STATUS_ENUM = [...SYNC_STATUSES];

export const schemas = {
  Error: { type: 'object', required: ['error'], properties: { error: { ...str, description: 'What went wrong and, where it helps, what to do next' } } },
  BuildRecord: {
    type: 'object',
    required: ['project', 'version', 'status', 'startedAt', 'attempts'],
    properties: {
      project: str,
      version: str,
      status: { enum: [...BUILD_STATUSES] },
      commit: { ...str, description: 'Source commit the version was built from' },
      startedAt: time,
      finishedAt: time,
      durationMs: int,
      error: str,
      cause: { type: 'array', items: str, description: 'Lines of the log that look like why a failed build failed (compiler, npm errors)' },
      attempts: { ...int, description: 'Failed builds of this version in a row' },
      files: int,
      bytes: int,
    },
  },
  Build: {
    type: 'object',
    required: ['id', 'project', 'version', 'status'],
    properties: {
      id: { ...str, description: '<project>@<version>' },
      project: str,
      version: str,
      status: { enum: [...BUILD_VIEW_STATUSES] },
      position: { ...int, description: 'Place in the queue (1 = next), while queued' },
      trigger: { enum: [...BUILD_TRIGGERS] },
      force: { type: 'boolean' },
      queuedAt: time,
      startedAt: time,
      finishedAt: time,
      durationMs: int,
      commit: str,
      error: str,
      cause: { type: 'array', items: str, description: 'Lines of the log that look like why a failed build failed (compiler, npm errors)' },
    },
  },
  ProjectUrls: {
    type: 'object',
    required: ['site', 'domains', 'previews'],
    properties: {
      site: { ...url, description: 'The live version under this server: /<project>/' },
      domains: { type: 'array', items: url, description: 'The live version on each of the project\'s domains' },
      previews: { type: 'object', additionalProperties: url, description: 'version → /<project>@<version>/' },
      previewHosts: { type: 'object', additionalProperties: url, description: 'version → <version>--<project>.<previews.domain> (when opus.yaml sets one)' },
    },
  },
  Project: {
    type: 'object',
    required: ['name', 'status', 'domains', 'versions', 'urls'],
    properties: {
      name: str,
      desired: { ...str, description: 'The version the config repo deploys (`latest` resolved)' },
      live: { ...str, description: 'The version served now' },
      status: { enum: SYNC_STATUS_ENUM },
      reason: { ...str, description: 'Why the status is not `synced`' },
      domains: { type: 'array', items: str },
      lastBuild: { $ref: '#/components/schemas/BuildRecord' },
      versions: { type: 'array', items: str, description: 'Built versions, newest first' },
      urls: { $ref: '#/components/schemas/ProjectUrls' },
    },
  },
  Artifact: {
    type: 'object',
    required: ['version', 'builtAt', 'live', 'desired', 'archiveUrl'],
    properties: {
      version: str,
      commit: str,
      bytes: { ...int, description: 'Size of the built output' },
      files: { ...int, description: 'Number of files in the built output' },
      durationMs: { ...int, description: 'How long the build took' },
      builtAt: time,
      live: { type: 'boolean' },
      desired: { type: 'boolean' },
      previewUrl: url,
      archiveUrl: url,
    },
  },
  HistoryEntry: {
    type: 'object',
    required: ['kind', 'commit', 'subject', 'author', 'email', 'date', 'summary'],
    properties: {
      kind: { enum: [...DEPLOY_KINDS] },
      commit: { ...str, description: 'Config repo commit' },
      subject: str,
      author: str,
      email: str,
      date: time,
      from: { ...str, description: 'Deployed before the commit' },
      to: { ...str, description: 'Deployed after the commit' },
      summary: { ...str, description: 'e.g. "deploy 1.0.0 → 1.1.0"' },
    },
  },
  Preview: {
    type: 'object',
    required: ['alias', 'kind', 'commit', 'version', 'status', 'log', 'updatedAt'],
    properties: {
      alias: { ...str, description: 'Host label: pr-<n> or the branch as a DNS label' },
      kind: { enum: ['pr', 'branch'] },
      number: { ...int, description: 'Pull request (GitLab: merge request iid)' },
      branch: str,
      commit: { ...str, description: 'The newest head asked for' },
      version: { ...str, description: 'Its build: sha-<12 hex digits>' },
      status: { enum: ['pending', 'ready', 'failed'] },
      serving: { ...str, description: 'The version the alias serves now' },
      url: { ...url, description: 'The alias (pr-<n>--<project>.<preview domain>), following the newest build' },
      commitUrl: { ...url, description: 'The commit\'s own URL (<sha7>--<project>…), which never changes' },
      log: { ...url, description: 'The build\'s live log' },
      error: str,
      author: str,
      pullRequestUrl: url,
      updatedAt: time,
    },
  },
  Problem: { type: 'object', required: ['file', 'path', 'message'], properties: { file: str, path: str, message: str, line: int } },
  SyncReport: {
    type: 'object',
    required: ['at', 'actions', 'problems', 'waiting'],
    properties: {
      commit: str,
      at: time,
      actions: { type: 'array', items: str },
      problems: { type: 'array', items: { $ref: '#/components/schemas/Problem' } },
      waiting: { type: 'object', additionalProperties: str },
      error: str,
      config: { ...str, description: 'The config repo this server syncs (a path on its machine or a git URL, credentials cut out)' },
    },
  },
} as const;
