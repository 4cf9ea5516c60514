// Which engine a server uses without DOCKER_HOST: the default socket, else the private engine that
// scripts/docker-engine.sh starts (the README's `npm start` after `npm test` on a machine without Docker).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SOCKET, PRIVATE_SOCKET, fallbackDockerHost } from '../../src/runtime/docker-host.js';

const having = (...paths: string[]) => (path: string) => paths.includes(path);

test('without DOCKER_HOST and without the default socket, the private engine of the scripts', () => {
  assert.equal(fallbackDockerHost({}, having(PRIVATE_SOCKET)), `unix://${PRIVATE_SOCKET}`);
});

test('DOCKER_HOST, or the default socket, is left as it is; nothing is made up when neither engine is there', () => {
  assert.equal(fallbackDockerHost({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }, having(PRIVATE_SOCKET)), undefined);
  assert.equal(fallbackDockerHost({}, having(DEFAULT_SOCKET, PRIVATE_SOCKET)), undefined);
  assert.equal(fallbackDockerHost({}, having()), undefined);
});
