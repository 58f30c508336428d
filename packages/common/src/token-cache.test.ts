import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OAuthTokenResponse, TokenCache, type TokenFetchContext } from './token-cache.ts';

/** A token endpoint double: counts fetches, records contexts, optionally slow or failing. */
function tokenServer(options: { expiresInSec?: number; refreshTokens?: boolean; delayMs?: number } = {}) {
  const calls: TokenFetchContext[] = [];
  const failures: Error[] = [];
  let issued = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchToken = async (context: TokenFetchContext): Promise<OAuthTokenResponse> => {
    calls.push(context);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
      const failure = failures.shift();
      if (failure) throw failure;
      issued++;
      return {
        accessToken: `access-${issued}`,
        expiresInSec: options.expiresInSec ?? 1800,
        ...(options.refreshTokens ? { refreshToken: `refresh-${issued}`, refreshTokenExpiresInSec: 30 * 86_400 } : {}),
      };
    } finally {
      inFlight--;
    }
  };
  return {
    fetchToken,
    calls,
    failNext: (error: Error) => failures.push(error),
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test('100 concurrent callers share one token fetch', async () => {
  const server = tokenServer({ delayMs: 20 });
  const cache = new TokenCache({ fetchToken: server.fetchToken });
  const tokens = await Promise.all(Array.from({ length: 100 }, () => cache.getAccessToken()));
  assert.equal(server.calls.length, 1);
  assert.deepEqual(new Set(tokens), new Set(['access-1']));
  assert.equal(server.calls[0]?.reason, 'initial');
  assert.equal(await cache.getAccessToken(), 'access-1', 'the token is reused, not fetched per call');
  assert.equal(server.calls.length, 1);
});

test('the token is refreshed proactively 120 s before expiry, once for all concurrent callers', async () => {
  const clock = manualClock();
  const server = tokenServer({ expiresInSec: 7200, refreshTokens: true });
  const cache = new TokenCache({ fetchToken: server.fetchToken, now: clock.now });
  assert.equal(await cache.getAccessToken(), 'access-1');
  clock.advance((7200 - 121) * 1000);
  assert.equal(await cache.getAccessToken(), 'access-1');
  clock.advance(2000);
  const tokens = await Promise.all(Array.from({ length: 50 }, () => cache.getAccessToken()));
  assert.deepEqual(new Set(tokens), new Set(['access-2']));
  assert.equal(server.calls.length, 2);
  assert.equal(server.maxInFlight, 1);
  assert.equal(server.calls[1]?.reason, 'expiring');
  assert.equal(server.calls[1]?.refreshToken, 'refresh-1', 'the refresh token is handed to fetchToken');
  assert.equal(server.calls[1]?.previous?.accessToken, 'access-1');
});

test('a short-lived token is refreshed at a fraction of its lifetime, not on every call', async () => {
  const clock = manualClock();
  const server = tokenServer({ expiresInSec: 5 });
  const cache = new TokenCache({ fetchToken: server.fetchToken, now: clock.now });
  for (let second = 0; second < 60; second++) {
    const token = await cache.getAccessToken();
    const { expiresAt } = cache.describe();
    assert.ok(expiresAt !== undefined && expiresAt > clock.now(), `token ${token} handed out expired`);
    clock.advance(1000);
  }
  // A 5 s token refreshed 1 s before expiry: one fetch per 4 s over 60 s.
  assert.equal(server.calls.length, 15);
});

test('invalidate after a 401 refreshes once even when many callers saw the same 401', async () => {
  const server = tokenServer({ refreshTokens: true, delayMs: 10 });
  const cache = new TokenCache({ fetchToken: server.fetchToken });
  const rejected = await cache.getAccessToken();
  const retried = await Promise.all(
    Array.from({ length: 20 }, async () => {
      cache.invalidate(rejected);
      return cache.getAccessToken();
    }),
  );
  assert.deepEqual(new Set(retried), new Set(['access-2']));
  assert.equal(server.calls.length, 2);
  assert.equal(server.calls[1]?.reason, 'invalidated');
  assert.equal(server.calls[1]?.refreshToken, 'refresh-1');
  cache.invalidate(rejected);
  assert.equal(await cache.getAccessToken(), 'access-2', 'a late 401 for an old token changes nothing');
  assert.equal(server.calls.length, 2);
  assert.equal(cache.stats().invalidations, 1);
});

test('withAccessToken retries a 401 once with a fresh token', async () => {
  const server = tokenServer();
  const cache = new TokenCache({ fetchToken: server.fetchToken });
  const used: string[] = [];
  const result = await cache.withAccessToken(
    async (token) => {
      used.push(token);
      return { status: token === 'access-1' ? 401 : 200 };
    },
    (r) => r.status === 401,
  );
  assert.equal(result.status, 200);
  assert.deepEqual(used, ['access-1', 'access-2']);
  const stillUnauthorized = await cache.withAccessToken(
    async () => ({ status: 401 }),
    (r) => r.status === 401,
  );
  assert.equal(stillUnauthorized.status, 401, 'a second 401 is the caller’s to report, not retried forever');
});

test('a failed fetch rejects every waiting caller and the next call fetches again', async () => {
  const server = tokenServer();
  const cache = new TokenCache({ fetchToken: server.fetchToken });
  server.failNext(new Error('invalid_client'));
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getAccessToken()));
  assert.ok(results.every((r) => r.status === 'rejected' && /invalid_client/.test(String(r.reason))));
  assert.equal(server.calls.length, 1);
  assert.equal(await cache.getAccessToken(), 'access-1');
  assert.equal(server.calls.length, 2);
  assert.deepEqual(cache.stats(), { fetches: 2, failures: 1, invalidations: 0 });
});

test('fetchToken can fall back from a rejected refresh grant to the primary grant', async () => {
  const clock = manualClock();
  const grants: string[] = [];
  const revoked = new Set(['r1']);
  let issued = 0;
  const issue = () => {
    issued++;
    return { accessToken: `a${issued}`, expiresInSec: 600, refreshToken: `r${issued}` };
  };
  const cache = new TokenCache({
    now: clock.now,
    fetchToken: async ({ refreshToken }) => {
      if (refreshToken) {
        grants.push(`refresh_token:${refreshToken}`);
        if (!revoked.has(refreshToken)) return issue();
        // invalid_grant: the refresh token was revoked, so run the password grant instead.
      }
      grants.push('password');
      return issue();
    },
  });
  assert.equal(await cache.getAccessToken(), 'a1');
  clock.advance(600_000);
  assert.equal(await cache.getAccessToken(), 'a2');
  clock.advance(600_000);
  assert.equal(await cache.getAccessToken(), 'a3');
  assert.deepEqual(grants, ['password', 'refresh_token:r1', 'password', 'refresh_token:r2']);
});

test('an expired refresh token is not offered to fetchToken, and one not re-issued is kept', async () => {
  const clock = manualClock();
  const contexts: TokenFetchContext[] = [];
  const responses: OAuthTokenResponse[] = [
    { accessToken: 'a1', expiresInSec: 600, refreshToken: 'r1', refreshTokenExpiresInSec: 1200 },
    { accessToken: 'a2', expiresInSec: 600 },
    { accessToken: 'a3', expiresInSec: 600 },
  ];
  const cache = new TokenCache({
    now: clock.now,
    fetchToken: async (context) => {
      contexts.push(context);
      return responses.shift()!;
    },
  });
  await cache.getAccessToken();
  clock.advance(600_000);
  await cache.getAccessToken();
  assert.equal(contexts[1]?.refreshToken, 'r1');
  clock.advance(600_000);
  await cache.getAccessToken();
  assert.equal(contexts[2]?.previous?.refreshToken, 'r1', 'kept although a2 came without one');
  assert.equal(contexts[2]?.refreshToken, undefined, 'r1 expired at 1200 s');
});

test('a failed proactive refresh keeps serving the still-valid token and retries later', async () => {
  const clock = manualClock();
  const server = tokenServer({ expiresInSec: 3600 });
  const cache = new TokenCache({ fetchToken: server.fetchToken, now: clock.now });
  await cache.getAccessToken();
  clock.advance((3600 - 60) * 1000);
  server.failNext(new Error('503 from token endpoint'));
  assert.equal(await cache.getAccessToken(), 'access-1');
  assert.equal(await cache.getAccessToken(), 'access-1', 'no second fetch right after a failure');
  assert.equal(server.calls.length, 2);
  clock.advance(6000);
  assert.equal(await cache.getAccessToken(), 'access-2');
  assert.equal(server.calls.length, 3);
});

test('a token response without an access token or lifetime is an error, not a cached token', async () => {
  const bad = [
    { accessToken: '', expiresInSec: 10 },
    { accessToken: 'x', expiresInSec: 0 },
  ];
  const cache = new TokenCache({ fetchToken: async () => bad.shift() ?? { accessToken: 'ok', expiresInSec: 10 } });
  await assert.rejects(cache.getAccessToken(), /no access token/);
  await assert.rejects(cache.getAccessToken(), /expires_in/);
  assert.equal(await cache.getAccessToken(), 'ok');
});

test('clear forgets the token and its refresh token', async () => {
  const server = tokenServer({ refreshTokens: true });
  const cache = new TokenCache({ fetchToken: server.fetchToken });
  await cache.getAccessToken();
  cache.clear();
  assert.equal(await cache.getAccessToken(), 'access-2');
  assert.equal(server.calls[1]?.reason, 'initial');
  assert.equal(server.calls[1]?.refreshToken, undefined);
});
