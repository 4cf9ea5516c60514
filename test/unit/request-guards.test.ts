import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureBackoff } from '../../src/domain/failure-backoff.js';
import { crossOriginProblem } from '../../src/domain/request-origin.js';
import { SESSION_MS, cookieValues, newSession, sessionCookie, validSession } from '../../src/server/api/session.js';

const fromDashboard = { host: 'localhost:8080', origin: 'http://localhost:8080', secFetchSite: 'same-origin', customHeader: 'dashboard' };

test('a cookie-made change passes only from the dashboard\'s own origin, with its header', () => {
  assert.equal(crossOriginProblem(fromDashboard), undefined);
  assert.equal(crossOriginProblem({ ...fromDashboard, secFetchSite: undefined }), undefined, 'older browsers send no Sec-Fetch-Site: Origin decides');
  // site.localhost is same-site with localhost: SameSite=Strict cookies go along, so these checks are what stops it.
  assert.match(crossOriginProblem({ ...fromDashboard, origin: 'http://site.localhost:8080', secFetchSite: 'same-site' }) ?? '', /another origin/);
  assert.match(crossOriginProblem({ ...fromDashboard, origin: 'http://site.localhost:8080', secFetchSite: undefined }) ?? '', /another origin/);
  assert.match(crossOriginProblem({ ...fromDashboard, origin: 'http://localhost:9999' }) ?? '', /another origin/, 'another port is another origin');
  assert.match(crossOriginProblem({ ...fromDashboard, origin: 'null' }) ?? '', /another origin/);
  assert.match(crossOriginProblem({ ...fromDashboard, origin: undefined }) ?? '', /needs an Origin/);
  assert.match(crossOriginProblem({ ...fromDashboard, customHeader: undefined }) ?? '', /needs the header x-opus-request/);
  assert.match(crossOriginProblem({ ...fromDashboard, secFetchSite: 'cross-site' }) ?? '', /Sec-Fetch-Site: cross-site/);
});

test('sessions: made from the token, expire, and end when the token changes', () => {
  const now = Date.now();
  const value = newSession('token-a', now);
  assert.equal(validSession('token-a', value, now), true);
  assert.equal(validSession('token-b', value, now), false, 'a new token ends every session');
  assert.equal(validSession('token-a', value, now + SESSION_MS + 1), false, 'expired');
  assert.equal(validSession('token-a', value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), now), false, 'forged');
  assert.equal(validSession('token-a', `${now + SESSION_MS * 100}.${value.split('.')[1]}`, now), false, 'a far expiry is no way around');
  assert.equal(validSession('token-a', undefined, now), false);
  assert.deepEqual(cookieValues(`a=1; opus_session=${value}; b=2`, 'opus_session'), [value]);
  assert.deepEqual(cookieValues('xopus_session=1', 'opus_session'), []);
  assert.deepEqual(cookieValues(`opus_session=tossed; opus_session=${value}`, 'opus_session'), ['tossed', value], 'a cookie tossed by a sibling comes first; the real one is still seen');
  assert.match(sessionCookie(value, false), /^opus_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  assert.doesNotMatch(sessionCookie(value, false), /Domain=/i, 'host-only: no sibling host gets it');
  assert.match(sessionCookie(value, true), /; Secure$/);
});

test('failed password checks: a few free, then doubling waits up to a cap; bookkeeping bounded; success forgives', () => {
  const backoff = new FailureBackoff({ freeFailures: 2, baseMs: 100, maxMs: 1_000, forgetMs: 60_000, maxClients: 3 });
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    waits.push(backoff.delayMs('a', 0));
    backoff.failed('a', 0);
  }
  assert.deepEqual(waits, [0, 0, 100, 200, 400, 800, 1_000, 1_000]);
  assert.equal(backoff.delayMs('b', 0), 0, 'other clients are not slowed');
  assert.equal(backoff.delayMs('a', 60_001), 0, 'a client quiet for long starts afresh');
  backoff.failed('a', 0);
  backoff.succeeded('a');
  assert.equal(backoff.delayMs('a', 0), 0);
  for (const client of ['c1', 'c2', 'c3', 'c4', 'c5']) backoff.failed(client, 0);
  assert.equal(backoff.size, 3, 'at most maxClients remembered');
});
