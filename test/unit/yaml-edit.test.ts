import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { setTopLevelKey, yamlScalar } from '../../src/domain/yaml-edit.js';

const FILE = [
  '# The marketing site. Owner: web team.',
  'source: https://github.com/acme/site.git   # the app repo',
  'deploy: 1.0.3',
  '',
  'build:',
  '  # pinned image, see ADR-12',
  '  image: node:20-alpine',
  '  command: npm ci && npm run build',
  '  deploy: not-top-level',
  '',
].join('\n');

function load(text: string): Record<string, unknown> {
  return yaml.load(text) as Record<string, unknown>;
}

test('changing a key keeps every comment, blank line and other key as written', () => {
  const edited = setTopLevelKey(FILE, 'deploy', '1.0.4');
  assert.equal(edited, FILE.replace('deploy: 1.0.3', 'deploy: 1.0.4'));
  assert.equal(load(edited).deploy, '1.0.4');
});

test('only the top-level key is changed, not a nested key of the same name', () => {
  const edited = setTopLevelKey(FILE, 'deploy', '2.0.0');
  assert.match(edited, /^ {2}deploy: not-top-level$/m);
  assert.deepEqual(load(edited).build, load(FILE).build);
});

test('versions that look like numbers or other types stay strings when read back', () => {
  for (const version of ['1.0', '1', '2.10', '1e3', '0x1F', '010', 'true', 'no', 'null', '~', '.inf', '1.0.4', 'v1.2', '2024-01-01', 'latest', '1_000']) {
    const edited = setTopLevelKey('source: x\ndeploy: old\n', 'deploy', version);
    const value = load(edited).deploy;
    assert.equal(typeof value, 'string', `${version} read back as ${typeof value}: ${edited}`);
    assert.equal(value, version);
  }
});

test('yamlScalar quotes only when needed', () => {
  assert.equal(yamlScalar('1.0.4'), '1.0.4');
  assert.equal(yamlScalar('latest'), 'latest');
  assert.notEqual(yamlScalar('1.0'), '1.0');
  assert.equal((yaml.load(`k: ${yamlScalar('1.0')}`) as { k: unknown }).k, '1.0');
});

test('a missing key is inserted right after the anchor key', () => {
  const text = '# site\nsource: https://example.com/site.git\nbuild:\n  image: node\n  command: make\n';
  const edited = setTopLevelKey(text, 'deploy', '1.0', 'source');
  assert.equal(edited, "# site\nsource: https://example.com/site.git\ndeploy: '1.0'\nbuild:\n  image: node\n  command: make\n");
  assert.deepEqual(load(edited), { source: 'https://example.com/site.git', deploy: '1.0', build: { image: 'node', command: 'make' } });
});

test('a missing key with no anchor found is appended, with exactly one newline before and after', () => {
  assert.equal(setTopLevelKey('source: x', 'deploy', '1.2.0'), 'source: x\ndeploy: 1.2.0\n');
  assert.equal(setTopLevelKey('source: x\n\n\n', 'deploy', '1.2.0'), 'source: x\ndeploy: 1.2.0\n');
  assert.equal(setTopLevelKey('source: x\n', 'deploy', '1.2.0', 'nope'), 'source: x\ndeploy: 1.2.0\n');
});

test('the anchor must be a top-level key: an indented one is not used', () => {
  const text = 'build:\n  source: inner\n  image: node\nsource: outer\n';
  const edited = setTopLevelKey(text, 'deploy', '3.0.0', 'source');
  assert.equal(edited, 'build:\n  source: inner\n  image: node\nsource: outer\ndeploy: 3.0.0\n');
});

test('setting the value a key already has changes nothing', () => {
  assert.equal(setTopLevelKey(FILE, 'deploy', '1.0.3'), FILE);
});

test('a key that only starts like the one edited is left alone', () => {
  const text = 'deployment: keep\nsource: x\n';
  const edited = setTopLevelKey(text, 'deploy', '1.0.0', 'source');
  assert.equal(edited, 'deployment: keep\nsource: x\ndeploy: 1.0.0\n');
});
