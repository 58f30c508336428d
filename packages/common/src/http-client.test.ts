import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isMlcError } from './errors.ts';
import { HttpClient, type HttpFailureDetails, type HttpRetryEvent, safeUrl } from './http-client.ts';
import { RateBudget } from './rate-budget.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A local server answering request n with handlers[n] (the last handler repeats). */
async function startServer(handlers: Handler[]) {
  const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string; port: number }[] =
    [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        port: req.socket.remotePort ?? 0,
      });
      const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)]!;
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

/** A client whose sleeps are recorded instead of waited. */
function fakeSleepClient(options: ConstructorParameters<typeof HttpClient>[0] = {}) {
  const sleeps: number[] = [];
  const client = new HttpClient({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { client, sleeps };
}

async function withServer(handlers: Handler[], fn: (server: Awaited<ReturnType<typeof startServer>>) => Promise<void>) {
  const server = await startServer(handlers);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

test('requestJson sends JSON and form bodies with query parameters and parses a JSON answer', async () => {
  await withServer([json(200, { ok: true })], async (server) => {
    const client = new HttpClient();
    try {
      const res = await client.requestJson({
        method: 'POST',
        url: `${server.url}/a/b?x=1`,
        query: { maxrecs: 100, skip: undefined, q: 'a b&c' },
        json: { hello: 'wörld' },
        headers: { Authorization: 'Bearer t' },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { ok: true });
      assert.equal(res.headers['content-type'], 'application/json');
      const form = await client.requestJson({
        method: 'POST',
        url: server.url,
        form: { grant_type: 'password', username: 'T#k' },
      });
      assert.equal(form.status, 200);
      const [first, second] = server.requests;
      assert.equal(first?.url, '/a/b?x=1&maxrecs=100&q=a+b%26c');
      assert.equal(first?.headers['content-type'], 'application/json');
      assert.equal(first?.headers.authorization, 'Bearer t');
      assert.deepEqual(JSON.parse(first?.body ?? ''), { hello: 'wörld' });
      assert.equal(second?.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(second?.body, 'grant_type=password&username=T%23k');
    } finally {
      await client.close();
    }
  });
});

test('connections to one origin are kept alive and reused across calls', async () => {
  await withServer([json(200, {})], async (server) => {
    const client = new HttpClient();
    try {
      for (let i = 0; i < 20; i++) await client.requestJson({ url: server.url });
      // undici may open a second socket while the first is being released; without keep-alive this would be 20.
      assert.ok(new Set(server.requests.map((r) => r.port)).size <= 2);
    } finally {
      await client.close();
    }
  });
});

test('an HTML error page and an empty body are returned as text / undefined, not a crash', async () => {
  const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
  await withServer(
    [
      (_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(html);
      },
      (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    ],
    async (server) => {
      const client = new HttpClient();
      try {
        const res = await client.requestJson({ url: server.url });
        assert.equal(res.status, 500);
        assert.equal(res.body, html);
        const empty = await client.requestJson({ url: server.url });
        assert.equal(empty.status, 204);
        assert.equal(empty.body, undefined);
      } finally {
        await client.close();
      }
    },
  );
});

test('a 10 MB garbage body is read as text, and a body over the limit fails cleanly', async () => {
  const garbage = Buffer.alloc(10 * 1024 * 1024, 0x61);
  await withServer(
    [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(garbage);
      },
    ],
    async (server) => {
      const client = new HttpClient();
      try {
        const res = await client.requestJson({ url: server.url });
        assert.equal(res.bodyText.length, garbage.length);
        await assert.rejects(
          client.requestJson({ url: server.url, maxBodyBytes: 1024 * 1024 }),
          (err: unknown) => isMlcError(err, 'MLC_HTTP_UPSTREAM') && /over 1048576 bytes/.test(err.message),
        );
      } finally {
        await client.close();
      }
    },
  );
});

test('an endless body is cut off at the limit and its connection dropped, not buffered without bound', async () => {
  let closed: Promise<void> = Promise.resolve();
  await withServer(
    [
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        closed = new Promise((resolve) => req.socket.once('close', () => resolve()));
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const write = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', write);
        };
        res.write('{"results":[');
        write();
      },
    ],
    async (server) => {
      const client = new HttpClient({ maxBodyBytes: 2 * 1024 * 1024 });
      try {
        await assert.rejects(
          client.requestWithRetry({ url: server.url }, { target: 'ion' }),
          (err: unknown) =>
            isMlcError(err, 'MLC_HTTP_UPSTREAM') && /answered 200 with a body over 2097152 bytes/.test(err.message),
        );
        let timer: NodeJS.Timeout | undefined;
        const stuck = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the connection of the cut-off body stayed open')), 10_000);
        });
        await Promise.race([closed, stuck]).finally(() => clearTimeout(timer));
        assert.equal(client.stats().attempts, 1, 'not retried: the next answer would be as large');
      } finally {
        await client.close();
      }
    },
  );
});

test('429 with Retry-After in seconds waits exactly that long, then succeeds', async () => {
  await withServer(
    [json(429, { error: 'TooManyRequests' }, { 'retry-after': '7' }), json(200, { ok: 1 })],
    async (server) => {
      const { client, sleeps } = fakeSleepClient();
      const events: HttpRetryEvent[] = [];
      try {
        const res = await client.requestWithRetry(
          { url: `${server.url}/x?secret=1` },
          { target: 'zendesk', onRetry: (e) => events.push(e) },
        );
        assert.equal(res.status, 200);
        assert.equal(res.attempts, 2);
        assert.equal(res.retryWaitMs, 7000);
        assert.deepEqual(sleeps, [7000]);
        assert.deepEqual(events, [
          {
            target: 'zendesk',
            method: 'GET',
            url: `${server.url}/x`,
            attempt: 1,
            reason: 'rate_limited',
            status: 429,
            waitMs: 7000,
            retryAfterMs: 7000,
          },
        ]);
        assert.deepEqual(client.stats(), {
          attempts: 2,
          retries: 1,
          retriesByReason: { rate_limited: 1, server_error: 0, timeout: 0, connection: 0 },
        });
      } finally {
        await client.close();
      }
    },
  );
});

test('429 with Retry-After as an HTTP-date waits until that date', async () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const at = new Date(now + 12_000).toUTCString();
  await withServer([json(429, {}, { 'retry-after': at }), json(200, {})], async (server) => {
    const { client, sleeps } = fakeSleepClient({ now: () => now });
    try {
      await client.requestWithRetry({ url: server.url });
      assert.deepEqual(sleeps, [12_000]);
    } finally {
      await client.close();
    }
  });
});

test('429 with Retry-After really waits in real time', async () => {
  await withServer([json(429, {}, { 'retry-after': '1' }), json(200, {})], async (server) => {
    const client = new HttpClient();
    try {
      const started = performance.now();
      const res = await client.requestWithRetry({ url: server.url });
      assert.equal(res.status, 200);
      assert.ok(performance.now() - started >= 990, 'waited about one second');
    } finally {
      await client.close();
    }
  });
});

test('429 without Retry-After backs off exponentially with jitter, capped', async () => {
  await withServer([json(429, {}), json(429, {}), json(429, {}), json(429, {}), json(200, {})], async (server) => {
    const { client, sleeps } = fakeSleepClient({
      retryPolicy: { baseDelayMs: 1000, maxDelayMs: 3000 },
      random: () => 0.999,
    });
    try {
      const res = await client.requestWithRetry({ url: server.url });
      assert.equal(res.status, 200);
      assert.deepEqual(sleeps, [999, 1998, 2997, 2997]);
    } finally {
      await client.close();
    }
  });
});

test('503 twice then 200 succeeds on the third attempt and pauses the rate budget only for 429', async () => {
  await withServer([json(503, {}), json(503, {}), json(200, { done: true })], async (server) => {
    const { client } = fakeSleepClient();
    const budget = {
      acquired: 0,
      paused: [] as number[],
      async acquire() {
        this.acquired++;
      },
      pause(ms: number) {
        this.paused.push(ms);
      },
    };
    try {
      const res = await client.requestWithRetry({ method: 'POST', url: server.url, json: { a: 1 } }, { budget });
      assert.deepEqual(res.body, { done: true });
      assert.equal(res.retries, 2);
      assert.equal(server.requests.length, 3);
      assert.ok(
        server.requests.every((r) => r.body === '{"a":1}'),
        'the body is re-sent on every attempt',
      );
      assert.equal(budget.acquired, 3, 'every attempt takes from the budget');
      assert.deepEqual(budget.paused, []);
    } finally {
      await client.close();
    }
  });
});

test('a 429 pauses the whole rate budget for the Retry-After time', async () => {
  await withServer([json(429, {}, { 'retry-after': '3' }), json(200, {})], async (server) => {
    const { client } = fakeSleepClient();
    const paused: number[] = [];
    try {
      await client.requestWithRetry(
        { url: server.url },
        { budget: { acquire: async () => {}, pause: (ms) => paused.push(ms) } },
      );
      assert.deepEqual(paused, [3000]);
    } finally {
      await client.close();
    }
  });
});

test('a RateBudget plugs in directly: every attempt is granted by it and a 429 pauses it', async () => {
  await withServer([json(503, {}), json(429, {}, { 'retry-after': '1' }), json(200, {})], async (server) => {
    const { client } = fakeSleepClient();
    const budget = new RateBudget({ requestsPerMinute: 600, burst: 10 });
    try {
      const started = performance.now();
      await client.requestWithRetry({ url: server.url }, { budget });
      assert.equal(budget.stats().granted, 3);
      // The client's own sleep is faked here: only the paused budget can have held the third attempt back.
      assert.ok(performance.now() - started >= 950);
    } finally {
      await client.close();
    }
  });
});

test('a 400 is not retried and is returned to the caller by default', async () => {
  await withServer([json(400, { error: 'bad' })], async (server) => {
    const { client, sleeps } = fakeSleepClient();
    try {
      const res = await client.requestWithRetry({ url: server.url });
      assert.equal(res.status, 400);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(sleeps, []);
    } finally {
      await client.close();
    }
  });
});

test("with nonRetryableStatus 'throw' a 422 becomes MLC_HTTP_UPSTREAM with a redacted body", async () => {
  const body = { error: 'RecordInvalid', details: { name: [{ description: 'blank' }] }, access_token: 'leak-me' };
  await withServer([json(422, body)], async (server) => {
    const { client } = fakeSleepClient();
    try {
      await assert.rejects(
        client.requestWithRetry({ url: server.url }, { nonRetryableStatus: 'throw' }),
        (err: unknown) => {
          assert.ok(isMlcError(err, 'MLC_HTTP_UPSTREAM'));
          const details = err.details as HttpFailureDetails;
          assert.equal(details.status, 422);
          assert.match(details.body ?? '', /RecordInvalid/);
          assert.ok(!JSON.stringify(details).includes('leak-me'));
          assert.ok(!err.message.includes('leak-me'));
          return true;
        },
      );
      assert.equal(server.requests.length, 1);
    } finally {
      await client.close();
    }
  });
});

test('exhausted retries throw MLC_HTTP_RETRIES_EXHAUSTED with the last status and a redacted body', async () => {
  const secret = 'sup3r-s3cret-value';
  await withServer(
    [json(503, { message: `upstream down, you sent password=${secret}`, refresh_token: 'rt-123456' })],
    async (server) => {
      const { client, sleeps } = fakeSleepClient({ retryPolicy: { maxAttempts: 3 } });
      try {
        await assert.rejects(
          client.requestWithRetry({ url: `${server.url}/token?x=1` }, { secrets: [secret] }),
          (err: unknown) => {
            assert.ok(isMlcError(err, 'MLC_HTTP_RETRIES_EXHAUSTED'));
            const details = err.details as HttpFailureDetails;
            assert.equal(details.status, 503);
            assert.equal(details.attempts, 3);
            assert.equal(details.url, `${server.url}/token`);
            assert.match(details.body ?? '', /upstream down/);
            const all = `${err.message} ${JSON.stringify(details)}`;
            assert.ok(!all.includes(secret));
            assert.ok(!all.includes('rt-123456'));
            assert.match(err.message, /after 3 attempts, last status 503/);
            return true;
          },
        );
        assert.equal(server.requests.length, 3);
        assert.equal(sleeps.length, 2);
      } finally {
        await client.close();
      }
    },
  );
});

test('a Retry-After beyond the total wait budget ends the retries at once, reporting the wait asked for', async () => {
  await withServer([json(429, {}, { 'retry-after': '3600' })], async (server) => {
    const { client, sleeps } = fakeSleepClient({ retryPolicy: { maxTotalWaitMs: 60_000 } });
    try {
      await assert.rejects(
        client.requestWithRetry({ url: server.url }),
        (err: unknown) =>
          isMlcError(err, 'MLC_HTTP_RETRIES_EXHAUSTED') &&
          (err.details as HttpFailureDetails).retryAfterMs === 3_600_000,
      );
      assert.deepEqual(sleeps, []);
    } finally {
      await client.close();
    }
  });
});

test('a timed-out attempt is retried and the next attempt succeeds', async () => {
  await withServer(
    [
      (_req, res) => {
        setTimeout(() => res.end('{}'), 2000).unref();
      },
      json(200, { late: false }),
    ],
    async (server) => {
      const { client } = fakeSleepClient({ timeoutMs: 150 });
      const reasons: string[] = [];
      try {
        const res = await client.requestWithRetry({ url: server.url }, { onRetry: (e) => reasons.push(e.reason) });
        assert.deepEqual(res.body, { late: false });
        assert.deepEqual(reasons, ['timeout']);
      } finally {
        await client.close();
      }
    },
  );
});

test('a body that stalls mid-way times out too', async () => {
  await withServer(
    [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      },
    ],
    async (server) => {
      const client = new HttpClient({ timeoutMs: 150 });
      try {
        await assert.rejects(client.requestJson({ url: server.url }), (err: Error) => err.name === 'TimeoutError');
      } finally {
        await client.close();
      }
    },
  );
});

test('a refused connection is retried and reported as a connection failure once retries run out', async () => {
  const server = await startServer([json(200, {})]);
  const url = server.url;
  await server.close();
  const { client, sleeps } = fakeSleepClient({ retryPolicy: { maxAttempts: 2 } });
  const attempts: (string | undefined)[] = [];
  try {
    await assert.rejects(
      client.requestWithRetry({ url }, { onAttempt: (e) => attempts.push(e.error) }),
      (err: unknown) =>
        isMlcError(err, 'MLC_HTTP_RETRIES_EXHAUSTED') && (err.details as HttpFailureDetails).reason === 'connection',
    );
    assert.deepEqual(attempts, ['connection', 'connection']);
    assert.equal(sleeps.length, 1);
  } finally {
    await client.close();
  }
});

test("aborting the caller's signal stops the call with the abort reason, without retrying", async () => {
  await withServer(
    [
      (_req, res) => {
        setTimeout(() => res.end('{}'), 2000).unref();
      },
    ],
    async (server) => {
      const { client, sleeps } = fakeSleepClient();
      const controller = new AbortController();
      const reason = new Error('shutting down');
      setTimeout(() => controller.abort(reason), 50);
      try {
        await assert.rejects(
          client.requestWithRetry({ url: server.url, signal: controller.signal }),
          (err) => err === reason,
        );
        assert.deepEqual(sleeps, []);
      } finally {
        await client.close();
      }
    },
  );
});

test('safeUrl drops the query string and credentials', () => {
  assert.equal(safeUrl('https://u:p@host:8443/a/b?token=x#f'), 'https://host:8443/a/b');
  assert.equal(safeUrl('nonsense'), '[invalid url]');
});
