import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MalformedBody } from '../../packages/simulators/src/zendesk/malformed-bodies.ts';
import { startZendesk } from './zendesk-harness.ts';

test('a burst above the rpm gets 429 with Retry-After and the rate-limit headers', async (t) => {
  const zendesk = await startZendesk({ rpm: 5, rateLimitWindowMs: 60_000 });
  t.after(() => zendesk.close());
  const statuses: number[] = [];
  let limited: Headers | null = null;
  for (let index = 0; index < 8; index += 1) {
    const response = await zendesk.call('GET', '/api/v2/users/me');
    statuses.push(response.status);
    assert.equal(response.headers.get('x-rate-limit'), '5');
    assert.ok(response.headers.get('ratelimit-reset'));
    if (response.status === 429) limited = response.headers;
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.ok(Number(limited?.get('retry-after')) >= 1);
  assert.equal(limited?.get('x-rate-limit-remaining'), '0');
});

test('a client that honours Retry-After gets no further 429', async (t) => {
  const zendesk = await startZendesk({ rpm: 3, rateLimitWindowMs: 1000 });
  t.after(() => zendesk.close());
  const statuses: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    const response = await zendesk.call('GET', '/api/v2/users/me');
    statuses.push(response.status);
    if (response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 1000));
    }
  }
  // Every 429 is followed by a success: waiting as told is always enough.
  statuses.forEach((status, index) => {
    if (status === 429) assert.equal(statuses[index + 1] ?? 200, 200);
  });
  assert.ok(statuses.includes(429));
});

test('endpoint limits: 5 single organization updates per minute and 30 concurrent jobs', async (t) => {
  const zendesk = await startZendesk({ jobQueuedMs: 10_000 });
  t.after(() => zendesk.close());
  const statuses: number[] = [];
  for (let index = 0; index < 7; index += 1) {
    statuses.push(
      (
        await zendesk.call('POST', '/api/v2/organizations/create_or_update', {
          organization: { name: `Acme ${index}`, external_id: 'SUP-1' },
        })
      ).status,
    );
  }
  assert.deepEqual(statuses, [201, 200, 200, 200, 200, 200, 429]);
  const jobs: number[] = [];
  for (let index = 0; index < 31; index += 1) {
    jobs.push(
      (await zendesk.call('POST', '/api/v2/organizations/create_many', { organizations: [{ name: `Org ${index}` }] }))
        .status,
    );
  }
  assert.equal(jobs.filter((status) => status === 200).length, 30);
  assert.equal(jobs.at(-1), 429);
});

test('fault rules inject 503s and truncated bodies at run time', async (t) => {
  const zendesk = await startZendesk();
  t.after(() => zendesk.close());
  zendesk.simulator.faults.setRules([
    { path: '^/api/v2/users/me$', times: 1, action: { kind: 'status', status: 503 } },
  ]);
  assert.equal((await zendesk.call('GET', '/api/v2/users/me')).status, 503);
  assert.equal((await zendesk.call('GET', '/api/v2/users/me')).status, 200);
  zendesk.simulator.faults.setRules([{ path: '^/api/v2/users/me$', times: 1, action: { kind: 'malformed-body' } }]);
  await assert.rejects(zendesk.call('GET', '/api/v2/users/me'), SyntaxError);
  assert.ok(zendesk.simulator.requestLog.entries().some((entry) => entry.status === 503));
});

test('malformed-body faults: an HTML page, re-typed values, a missing key, 10 MB of padding, an endless body', async (t) => {
  const zendesk = await startZendesk();
  // After a client hung up mid-body, close would wait out the server's keep-alive timeout (72 s) for the
  // connection the next request reused: close the sockets first.
  t.after(() => {
    zendesk.simulator.app.server.closeAllConnections();
    return zendesk.close();
  });
  const me = (body: MalformedBody) => {
    zendesk.simulator.faults.setRules([
      { path: '^/api/v2/users/me$', times: 1, action: { kind: 'malformed-body', body } },
    ]);
    return fetch(`${zendesk.base}/api/v2/users/me`, { headers: { authorization: `Bearer ${zendesk.token}` } });
  };
  const good = (await zendesk.call('GET', '/api/v2/users/me')).body.user as Record<string, unknown>;

  const html = await me('html');
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await html.text(), /^<!DOCTYPE html>/);

  const retyped = (await (await me('wrong-types')).json()) as { user: Record<string, unknown> };
  assert.deepEqual(retyped.user.id, String(good.id));
  assert.deepEqual(retyped.user.name, { '#text': good.name });

  assert.deepEqual(await (await me('missing-keys')).json(), {});

  const huge = await (await me('huge')).text();
  assert.ok(huge.length > 10 * 1024 * 1024);
  assert.deepEqual((JSON.parse(huge) as { user: unknown }).user, good);

  const endless = (await me('endless')).body!.getReader();
  let received = 0;
  while (received < 5 * 1024 * 1024) received += (await endless.read()).value?.length ?? 0;
  await endless.cancel();
  assert.equal((await zendesk.call('GET', '/api/v2/users/me')).status, 200, 'the simulator still answers');
  assert.throws(
    () => zendesk.simulator.faults.setRules([{ action: { kind: 'malformed-body', body: 'gibberish' } as never }]),
    /body must be one of/,
  );
});
