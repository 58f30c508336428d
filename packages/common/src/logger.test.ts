import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { contextLogger, createLogger, REDACTION_CENSOR } from './logger.ts';

function capture(): { lines: Record<string, unknown>[]; raw: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    raw: () => chunks.join(''),
    get lines() {
      return chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

const SECRETS = {
  cs: 'ion-client-secret-1',
  sask: 'service-account-secret-2',
  saak: 'TENANT#service-account-key-3',
  accessToken: 'zendesk-access-token-4',
  refreshToken: 'zendesk-refresh-token-5',
  bearer: 'Bearer admin-token-6',
  cookie: 'session=cookie-value-7',
  password: 'db-password-8',
  clientSecret: 'zendesk-oauth-secret-9',
  apiToken: 'legacy-api-token-10',
};

test('secret-bearing fields are censored at every depth and no secret value reaches the output', () => {
  const out = capture();
  const logger = createLogger({ name: 'test', level: 'debug', destination: out.stream });
  logger.info(
    { cs: SECRETS.cs, ionApiFile: { ti: 'ACME_TST', sask: SECRETS.sask, saak: SECRETS.saak } },
    'ionapi parsed',
  );
  logger.info({ req: { headers: { authorization: SECRETS.bearer, cookie: SECRETS.cookie, accept: 'json' } } }, 'call');
  logger.warn(
    {
      response: { body: { access_token: SECRETS.accessToken, refresh_token: SECRETS.refreshToken, expires_in: 1800 } },
    },
    'token',
  );
  logger.error({ tenant: { zendesk: { oauth: { clientSecret: SECRETS.clientSecret } } } }, 'deep');
  logger.debug({ a: { b: { c: { apiToken: SECRETS.apiToken, password: SECRETS.password } } } }, 'deeper');

  const raw = out.raw();
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!raw.includes(value), `${name} leaked into the log output`);
  }
  type Line = Record<string, unknown> & {
    req: { headers: Record<string, unknown> };
    response: { body: { expires_in: number } };
  };
  const [first, second, third, fourth] = out.lines as Line[];
  assert.ok(first && second && third && fourth, 'expected four lines');
  assert.equal(first.cs, REDACTION_CENSOR);
  assert.deepEqual(first.ionApiFile, { ti: 'ACME_TST', sask: REDACTION_CENSOR, saak: REDACTION_CENSOR });
  assert.deepEqual(second.req.headers, {
    authorization: REDACTION_CENSOR,
    cookie: REDACTION_CENSOR,
    accept: 'json',
  });
  assert.equal(third.response.body.expires_in, 1800);
  assert.equal(fourth.msg, 'deep');
});

test('a context logger stamps tenant, entity and run on every line and keeps the level name', () => {
  const out = capture();
  const logger = contextLogger(createLogger({ name: 'loader', destination: out.stream }), {
    tenantId: 'acme',
    entity: 'invoice',
    runId: 'run-1',
  });
  logger.info({ records: 3 }, 'batch applied');
  const [line] = out.lines;
  assert.equal(line?.tenantId, 'acme');
  assert.equal(line?.entity, 'invoice');
  assert.equal(line?.runId, 'run-1');
  assert.equal(line?.level, 'info');
  assert.equal(line?.service, 'loader');
  assert.equal(line?.records, 3);
});

test('lines below the configured level are not written', () => {
  const out = capture();
  const logger = createLogger({ name: 'quiet', level: 'warn', destination: out.stream });
  logger.info('dropped');
  logger.warn('kept');
  assert.deepEqual(
    out.lines.map((line) => line.msg),
    ['kept'],
  );
});
