import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FetchLike } from './admin-api-client.ts';
import type { CliIo } from './cli-program.ts';
import { runCli } from './main.ts';

interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

/** A CLI wired to a fake admin API that answers every call with `answer` and records it. */
function harness(
  answer: (call: Call) => { status?: number; body?: unknown } = () => ({ body: {} }),
  files: Record<string, string> = {},
) {
  const calls: Call[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = {
      method: init.method ?? 'GET',
      url: new URL(url),
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const { status = 200, body } = answer(call);
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  };
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { MLC_ADMIN_URL: 'http://admin.test:3000/', MLC_ADMIN_TOKEN: 'tok-123', MLC_POLL_INTERVAL_MS: '5' },
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return text;
    },
    fetch,
  };
  return { io, calls, out: () => out.join(''), err: () => err.join('') };
}

const ionapi = JSON.stringify({
  ti: 'ACME_TST',
  ci: 'ACME_TST~abc',
  cs: 'shh',
  iu: 'https://ion.example',
  pu: 'https://sso.example/',
});

test('tenants add sends the .ionapi content and OAuth client to POST /tenants with the bearer token', async () => {
  const h = harness(() => ({ status: 201, body: { id: 'acme', status: 'active' } }), {
    'acme.ionapi': `\uFEFF${ionapi}`,
  });
  const code = await runCli(
    [
      'tenants',
      'add',
      '--ionapi',
      'acme.ionapi',
      '--id',
      'acme',
      '--company',
      '100',
      '--division',
      'AAA',
      '--zendesk-subdomain',
      'acme',
      '--zendesk-client-id',
      'cid',
      '--zendesk-client-secret',
      'csecret',
      '--zendesk-url',
      'http://zd.test/__account/acme',
      '--zendesk-plan',
      'enterprise',
      '--zendesk-share',
      '0.5',
      '--schedule',
      '0 6 * * *',
      '--timezone',
      'Europe/Berlin',
    ],
    h.io,
  );
  assert.equal(code, 0, h.err());
  const [call] = h.calls;
  assert.equal(call?.method, 'POST');
  assert.equal(call?.url.toString(), 'http://admin.test:3000/tenants');
  assert.equal(call?.headers.authorization, 'Bearer tok-123');
  assert.deepEqual(call?.body, {
    id: 'acme',
    name: 'acme',
    product: 'm3',
    m3: { company: '100', division: 'AAA' },
    ionapi: JSON.parse(ionapi),
    zendesk: {
      subdomain: 'acme',
      baseUrl: 'http://zd.test/__account/acme',
      oauth: { clientId: 'cid', clientSecret: 'csecret' },
    },
    rateLimits: { zendeskPlanRpm: 'enterprise', zendeskShare: 0.5 },
    schedule: { cron: '0 6 * * *', timeZone: 'Europe/Berlin' },
  });
  assert.match(h.out(), /tenant acme registered/);
});

test('tenants add takes the Zendesk client secret from MLC_ZENDESK_CLIENT_SECRET and a CSI tenant its Mongoose config', async () => {
  const h = harness(() => ({ body: { id: 'acme' } }), { f: ionapi });
  const io = { ...h.io, env: { ...h.io.env, MLC_ZENDESK_CLIENT_SECRET: 'from-env' } };
  const code = await runCli(
    [
      'tenants',
      'add',
      '--ionapi',
      'f',
      '--id',
      'acme',
      '--product',
      'csi',
      '--mongoose-config',
      'CSI_DEMO',
      '--zendesk-subdomain',
      'a',
      '--zendesk-client-id',
      'c',
    ],
    io,
  );
  assert.equal(code, 0, h.err());
  const body = h.calls[0]?.body as { zendesk: unknown; csi: unknown };
  assert.deepEqual(body.zendesk, { subdomain: 'a', oauth: { clientId: 'c', clientSecret: 'from-env' } });
  assert.deepEqual(body.csi, { mongooseConfig: 'CSI_DEMO' });
});

test('usage errors exit 1 without calling the API', async (t) => {
  const cases: [string, string[], RegExp][] = [
    [
      'unreadable .ionapi',
      [
        'tenants',
        'add',
        '--ionapi',
        'missing',
        '--id',
        'a',
        '--zendesk-subdomain',
        'a',
        '--zendesk-client-id',
        'c',
        '--zendesk-client-secret',
        's',
      ],
      /cannot read missing: ENOENT/,
    ],
    [
      'not JSON',
      [
        'tenants',
        'add',
        '--ionapi',
        'bad',
        '--id',
        'a',
        '--zendesk-subdomain',
        'a',
        '--zendesk-client-id',
        'c',
        '--zendesk-client-secret',
        's',
      ],
      /not a JSON \.ionapi/,
    ],
    [
      'no Zendesk credentials',
      ['tenants', 'add', '--ionapi', 'f', '--id', 'a', '--company', '1', '--zendesk-subdomain', 'a'],
      /Zendesk credentials/,
    ],
    [
      'm3 without company',
      [
        'tenants',
        'add',
        '--ionapi',
        'f',
        '--id',
        'a',
        '--zendesk-subdomain',
        'a',
        '--zendesk-client-id',
        'c',
        '--zendesk-client-secret',
        's',
      ],
      /--company/,
    ],
    [
      'bad plan',
      ['tenants', 'add', '--ionapi', 'f', '--id', 'a', '--zendesk-subdomain', 'a', '--zendesk-plan', 'gold'],
      /positive integer/,
    ],
    ['keys without entity', ['replay', 'acme', '--keys', 'a'], /--keys needs --entity/],
    ['missing required option', ['tenants', 'add', '--id', 'a'], /required option '--ionapi <path>'/],
    [
      'bad product',
      ['tenants', 'add', '--ionapi', 'f', '--id', 'a', '--zendesk-subdomain', 'a', '--product', 'ln'],
      /Allowed choices are m3, csi/,
    ],
    [
      'bad share',
      ['tenants', 'add', '--ionapi', 'f', '--id', 'a', '--zendesk-subdomain', 'a', '--zendesk-share', '2'],
      /\(0, 1\]/,
    ],
    ['bad limit', ['runs', 'list', 'acme', '--limit', '-3'], /positive integer/],
    ['bad replay start', ['replay', 'acme', '--from', 'yesterday'], /earliest/],
    ['key without entity', ['audit', 'show', 'acme', '--key', 'S1'], /--key needs --entity/],
    ['retry with nothing named', ['dlq', 'retry', 'acme'], /--all/],
    ['unknown command', ['tenants', 'remove', 'a'], /unknown command/],
  ];
  for (const [name, args, message] of cases) {
    await t.test(name, async () => {
      const h = harness(undefined, { f: ionapi, bad: '{nope' });
      assert.equal(await runCli(args, h.io), 1);
      assert.match(h.err(), message);
      assert.equal(h.calls.length, 0);
    });
  }
});

test('a missing token is a usage error that names MLC_ADMIN_TOKEN', async () => {
  const h = harness();
  const code = await runCli(['tenants', 'list'], { ...h.io, env: { MLC_ADMIN_URL: 'http://x' } });
  assert.equal(code, 1);
  assert.match(h.err(), /MLC_ADMIN_TOKEN/);
});

test("an API error exits 2 and prints the API's code, message and field", async () => {
  const h = harness(
    () => ({
      status: 400,
      body: { error: { code: 'MLC_IONAPI_MISSING_KEY', message: 'The .ionapi file lacks ci', field: 'ci' } },
    }),
    { f: ionapi },
  );
  const code = await runCli(
    [
      'tenants',
      'add',
      '--ionapi',
      'f',
      '--id',
      'a',
      '--company',
      '1',
      '--zendesk-subdomain',
      'a',
      '--zendesk-client-id',
      'c',
      '--zendesk-client-secret',
      's',
    ],
    h.io,
  );
  assert.equal(code, 2);
  assert.equal(h.err(), 'mlc: MLC_IONAPI_MISSING_KEY (HTTP 400): The .ionapi file lacks ci [field: ci]\n');
  assert.doesNotMatch(h.err() + h.out(), /shh/);
});

test('an unreachable admin API exits 2 with MLC_ADMIN_API_UNREACHABLE', async () => {
  const h = harness();
  const io = {
    ...h.io,
    fetch: (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    }) as FetchLike,
  };
  assert.equal(await runCli(['tenants', 'list'], io), 2);
  assert.match(h.err(), /MLC_ADMIN_API_UNREACHABLE.*ECONNREFUSED/);
});

test('each command calls its admin API route', async (t) => {
  const cases: [string[], string, string, unknown?][] = [
    [['tenants', 'list'], 'GET', '/tenants'],
    [['tenants', 'show', 'acme'], 'GET', '/tenants/acme'],
    [['tenants', 'test', 'acme'], 'POST', '/tenants/acme/test', {}],
    [['tenants', 'pause', 'acme'], 'POST', '/tenants/acme/pause', {}],
    [['tenants', 'resume', 'acme'], 'POST', '/tenants/acme/resume', {}],
    [['runs', 'list', 'acme', '--limit', '5'], 'GET', '/tenants/acme/runs?limit=5'],
    [['runs', 'show', 'r-1'], 'GET', '/runs/r-1'],
    [
      ['runs', 'now', 'acme', '--entities', 'invoice,supplier'],
      'POST',
      '/tenants/acme/runs',
      { entities: ['invoice', 'supplier'] },
    ],
    [['runs', 'now', 'acme', '--full'], 'POST', '/tenants/acme/runs', { fullResync: true }],
    [
      ['audit', 'show', 'acme', '--entity', 'invoice', '--status', 'failed'],
      'GET',
      '/tenants/acme/audit?entity=invoice&status=failed',
    ],
    [['audit', 'show', 'acme', '--entity', 'invoice', '--key', 'A/1'], 'GET', '/tenants/acme/audit/invoice/A%2F1'],
    [
      ['replay', 'acme', '--entity', 'invoice', '--force'],
      'POST',
      '/tenants/acme/replay',
      { from: 'earliest', force: true, entity: 'invoice' },
    ],
    [
      ['replay', 'acme', '--from', '2025-01-02T03:04:05Z', '--entity', 'supplier', '--keys', 'a,b'],
      'POST',
      '/tenants/acme/replay',
      { from: '2025-01-02T03:04:05.000Z', force: false, entity: 'supplier', naturalKeys: ['a', 'b'] },
    ],
    [['dlq', 'list', 'acme', '--entity', 'invoice'], 'GET', '/tenants/acme/dlq?entity=invoice'],
    [['dlq', 'retry', 'acme', '11', '12'], 'POST', '/tenants/acme/dlq/retry', { ids: ['11', '12'] }],
    [
      ['dlq', 'retry', 'acme', '--all', '--entity', 'invoice'],
      'POST',
      '/tenants/acme/dlq/retry',
      { all: true, entity: 'invoice' },
    ],
    [['provision', 'acme', '--dry-run'], 'POST', '/tenants/acme/zendesk/provision', { dryRun: true }],
    [['key', 'rotate'], 'POST', '/vault/rotate', {}],
  ];
  for (const [args, method, path, body] of cases) {
    await t.test(args.join(' '), async () => {
      const h = harness(() => ({ body: { id: 'x', status: 'succeeded' } }));
      assert.equal(await runCli(args, h.io), 0, h.err());
      assert.equal(h.calls.length, 1);
      assert.equal(h.calls[0]?.method, method);
      assert.equal(`${h.calls[0]?.url.pathname}${h.calls[0]?.url.search}`, path);
      assert.deepEqual(h.calls[0]?.body, body);
    });
  }
});

test('--json prints the API answer unchanged; the default prints a table', async () => {
  const tenants = [{ id: 'acme', name: 'ACME', product: 'm3', status: 'active', zendeskSubdomain: 'acme' }];
  const json = harness(() => ({ body: { tenants } }));
  assert.equal(await runCli(['--json', 'tenants', 'list'], json.io), 0);
  assert.deepEqual(JSON.parse(json.out()), tenants);
  const table = harness(() => ({ body: { tenants } }));
  assert.equal(await runCli(['tenants', 'list'], table.io), 0);
  assert.match(
    table.out(),
    /^ID\s+NAME\s+PRODUCT\s+STATUS\s+ZENDESK\s+SCHEDULE\nacme\s+ACME\s+m3\s+active\s+acme\s+-\n$/,
  );
});

test('runs now --wait follows the request to the run the extractor started and polls it to the end', async () => {
  let polls = 0;
  let requestPolls = 0;
  const h = harness((call) => {
    if (call.method === 'POST')
      return { status: 202, body: { requestId: 'q-1', requestedAt: new Date().toISOString() } };
    if (call.url.pathname === '/run-requests/q-1') {
      const states = [
        { status: 'pending', runId: null },
        { status: 'starting', runId: 'r-9' },
        { status: 'running', runId: 'r-9' },
      ];
      return { body: { requestId: 'q-1', ...states[Math.min(requestPolls++, states.length - 1)] } };
    }
    return {
      body: {
        id: 'r-9',
        status: polls++ < 3 ? 'running' : 'succeeded',
        entities: [
          { entity: 'supplier', status: 'succeeded', recordsRead: 12, published: 12, unchanged: 0, failed: 0 },
        ],
      },
    };
  });
  assert.equal(await runCli(['runs', 'now', 'acme', '--wait', '--timeout', '10'], h.io), 0, h.err());
  assert.equal(requestPolls, 3, 'polled the request until its run was recorded');
  assert.ok(h.calls.some((call) => call.url.pathname === '/runs/r-9'));
  assert.match(h.out(), /status:\s+succeeded/);
  assert.match(h.out(), /supplier\s+succeeded\s+12\s+12\s+-\s+0\s+0/);
});

test('runs now --wait fails with the reason when the extractor skipped the request', async () => {
  const h = harness((call) =>
    call.method === 'POST'
      ? { status: 202, body: { requestId: 'q-2' } }
      : { body: { requestId: 'q-2', status: 'skipped', runId: null, skippedReason: 'paused' } },
  );
  assert.notEqual(await runCli(['runs', 'now', 'acme', '--wait', '--timeout', '10'], h.io), 0);
  assert.match(h.err(), /q-2 was not run: paused/);
});

test('--help exits 0 and lists every command group', async () => {
  const h = harness();
  assert.equal(await runCli(['--help'], h.io), 0);
  for (const word of ['tenants', 'runs', 'audit', 'replay', 'dlq', 'provision', 'key', 'Exit codes'])
    assert.match(h.out(), new RegExp(word));
});
