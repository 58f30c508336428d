import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { type RequestBudget, ZendeskClient, type ZendeskRequest } from './zendesk-client.ts';
import { ZendeskRequestError } from './zendesk-error.ts';

type Answer = (response: ServerResponse) => void;

/** A Zendesk stand-in answering request n with answers[n] (the last one repeats), over a real socket. */
const unlimited: RequestBudget = {
  acquire: async () => undefined,
  pause: () => undefined,
  limits: () => ({ requestsPerMinute: 1_000_000 }),
};

async function withZendesk(
  answers: Answer[],
  run: (client: ZendeskClient, requests: () => number) => Promise<void>,
  budget = unlimited,
) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answers[Math.min(requests++, answers.length - 1)]!(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ZendeskClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizer: { authorization: async () => 'Bearer t', invalidate: () => undefined },
    budget,
    maxAttempts: 3,
    backoffBaseMs: 1,
    maxBodyBytes: 1024 * 1024,
  });
  try {
    await run(client, () => requests);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const send =
  (status: number, body: string, contentType = 'application/json'): Answer =>
  (response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };

const HTML = '<!DOCTYPE html><html><head><title>Zendesk is down</title></head><body>sorry</body></html>';
const poll: ZendeskRequest = {
  method: 'GET',
  path: '/api/v2/job_statuses/1',
  endpoint: 'job_statuses/show',
  idempotent: true,
};
const create: ZendeskRequest = {
  method: 'POST',
  path: '/api/v2/organizations/create_many',
  body: { organizations: [] },
  endpoint: 'organizations/create_many',
  idempotent: false,
};

function isMalformed(error: unknown, problem: RegExp): boolean {
  return (
    error instanceof ZendeskRequestError &&
    isMlcError(error, 'MLC_ZENDESK_MALFORMED_RESPONSE') &&
    !error.permanent &&
    error.zendesk.error === 'MLC_ZENDESK_MALFORMED_RESPONSE' &&
    problem.test(error.message)
  );
}

test('a truncated answer to a call safe to repeat is asked again, and the next good answer is used', async () => {
  await withZendesk(
    [send(200, '{"job_status":{"id":"1","sta'), send(200, '{"job_status":{"id":"1"}}')],
    async (client, n) => {
      assert.deepEqual(await client.send(poll), { job_status: { id: '1' } });
      assert.equal(n(), 2);
    },
  );
});

test('an unreadable answer to a create is not sent again: it fails at once as malformed, not permanent', async () => {
  await withZendesk([send(200, HTML, 'text/html')], async (client, n) => {
    await assert.rejects(client.send(create), (e: unknown) => isMalformed(e, /answered 200 .*an HTML page, not JSON/));
    assert.equal(n(), 1);
  });
});

test('every 2xx that is not a JSON object is malformed once retries run out; an empty 204 is fine', async () => {
  const cases: [Answer, RegExp][] = [
    [send(200, '{"job_status":'), /not valid JSON \(14 characters, cut short or garbled\)/],
    [send(201, '[1,2]'), /answered 201 .*JSON that is not an object \(a list\)/],
    [send(200, '"ok"'), /JSON that is not an object \(a string\)/],
  ];
  for (const [answer, problem] of cases) {
    await withZendesk([answer], async (client, n) => {
      await assert.rejects(client.send(poll), (e: unknown) => isMalformed(e, problem));
      assert.equal(n(), 3, 'bounded retries');
    });
  }
  await withZendesk(
    [
      (response) => {
        response.writeHead(204);
        response.end();
      },
    ],
    async (client) => assert.equal(await client.send({ ...poll, method: 'DELETE' }), null),
  );
});

test('an endless body is cut off at the size limit, not buffered without bound', async () => {
  const endless: Answer = (response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    Readable.from(
      (function* () {
        yield Buffer.from('{"results":[');
        for (;;) yield chunk;
      })(),
    ).pipe(response);
  };
  await withZendesk([endless], async (client) => {
    await assert.rejects(client.send(create), (e: unknown) => isMalformed(e, /a body over 1048576 bytes \(cut off\)/));
  });
});

test('an HTML error page with an error status is reported by its title, not as raw markup', async () => {
  await withZendesk([send(502, HTML, 'text/html')], async (client) => {
    await assert.rejects(
      client.send(poll),
      (e: unknown) =>
        e instanceof ZendeskRequestError &&
        isMlcError(e, 'MLC_HTTP_UPSTREAM') &&
        e.message ===
          'Zendesk job_statuses/show answered 502 HTTP 502: an HTML page titled "Zendesk is down", not JSON',
    );
  });
});

test('the reserve for other clients is 10 % of the account, never more than the share leaves them', async () => {
  const standing =
    (remaining: number): Answer =>
    (response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-rate-limit': '700',
        'x-rate-limit-remaining': String(remaining),
        'ratelimit-reset': '7',
      });
      response.end('{}');
    };
  // [connector rpm (plan 700 × share), remaining in the account's minute, pause expected]
  const cases: [number, number, number | undefined][] = [
    [350, 71, undefined],
    [350, 70, 7000],
    [665, 36, undefined],
    [665, 35, 7000],
    // Given the whole account, the connector spends all of it: the pause comes only when nothing is left.
    [700, 1, undefined],
    [700, 0, 7000],
    // A plan set above the account's real limit leaves nothing to keep either.
    [2500, 1, undefined],
  ];
  for (const [requestsPerMinute, remaining, expected] of cases) {
    const pauses: number[] = [];
    const budget: RequestBudget = {
      acquire: async () => undefined,
      pause: (ms) => pauses.push(ms),
      limits: () => ({ requestsPerMinute }),
    };
    await withZendesk([standing(remaining)], async (client) => void (await client.send(poll)), budget);
    assert.deepEqual(pauses, expected === undefined ? [] : [expected], `${requestsPerMinute} rpm, ${remaining} left`);
  }
});
