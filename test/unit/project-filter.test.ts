import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatcher, projectFilter, statusNamed } from '../../src/domain/project-filter.js';

const projects = [
  { name: 'web-app', status: 'synced' },
  { name: 'web-admin', status: 'failed' },
  { name: 'docs', status: 'out of sync' },
  { name: 'api-docs', status: 'config error' },
];
const names = (filter?: string) => projects.filter(projectFilter(filter)).map((p) => p.name);

test('no filter keeps everything', () => {
  assert.deepEqual(names(), ['web-app', 'web-admin', 'docs', 'api-docs']);
  assert.deepEqual(names(' , '), ['web-app', 'web-admin', 'docs', 'api-docs']);
});

test('globs match whole names', () => {
  assert.deepEqual(names('web-*'), ['web-app', 'web-admin']);
  assert.deepEqual(names('*docs'), ['docs', 'api-docs']);
  assert.deepEqual(names('d?cs'), ['docs']);
  assert.deepEqual(names('web'), []);
  assert.deepEqual(names('docs'), ['docs']);
});

test('statuses match by name, with hyphens, underscores or spaces, in any case', () => {
  assert.deepEqual(names('failed'), ['web-admin']);
  assert.deepEqual(names('out-of-sync'), ['docs']);
  assert.deepEqual(names('Config_Error'), ['api-docs']);
  assert.equal(statusNamed('not deployed'), 'not deployed');
  assert.equal(statusNamed('nope'), undefined);
});

test('several filters, separated by commas, match when any does', () => {
  assert.deepEqual(names('failed,config-error'), ['web-admin', 'api-docs']);
  assert.deepEqual(names('web-app, docs'), ['web-app', 'docs']);
});

test('glob characters other than * and ? are literal', () => {
  assert.equal(globMatcher('a.b')('a.b'), true);
  assert.equal(globMatcher('a.b')('axb'), false);
  assert.equal(globMatcher('(x)+')('(x)+'), true);
});
