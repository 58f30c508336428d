import { randomBytes } from 'node:crypto';
import { type BuildAdminApiOptions, buildAdminApi } from '@mlc/admin-api/build-admin-api';
import type { ControlPublisher } from '@mlc/admin-api/replay/control-publisher';
import type { ControlMessage } from '@mlc/common/control-message';
import { type CredentialVault, createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import { createLogger } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { type CleanupScope, withIsolatedSchema } from '../support/isolated-database-schema.ts';

// An admin API over a fresh PostgreSQL schema, driven with fastify inject; control messages are captured.
export interface AdminApiHarness {
  app: FastifyInstance;
  db: pg.Pool;
  vault: CredentialVault;
  masterKeys: string;
  adminToken: string;
  schema: string;
  connectionString: string;
  published: ControlMessage[];
  call(method: string, url: string, options?: CallOptions): Promise<CallResult>;
}

export interface CallOptions {
  /** Bearer token; default the admin's; null sends none. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

export interface CallResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers field by field
  body: any;
  text: string;
  response: LightMyRequestResponse;
}

export function masterKey(keyId: string): string {
  return `${keyId}:${randomBytes(32).toString('base64')}`;
}

export async function startAdminApi(
  scope: CleanupScope,
  options: { masterKeys?: string; activeKeyId?: string; controlPublisher?: ControlPublisher | null } & Partial<
    Pick<BuildAdminApiOptions, 'kafka' | 'config'>
  > = {},
): Promise<AdminApiHarness> {
  const isolated = await withIsolatedSchema(scope, 'admin_api');
  await migrate(isolated.connectionString, { schema: isolated.schema });
  const db = createDbPool(isolated.connectionString, { schema: isolated.schema, max: 4 });
  const masterKeys = options.masterKeys ?? masterKey('k1');
  const vault = createCredentialVault({
    masterKeys,
    activeKeyId: options.activeKeyId ?? masterKeys.slice(0, masterKeys.indexOf(':')),
  });
  const adminToken = `bootstrap-${randomBytes(24).toString('hex')}`;
  const published: ControlMessage[] = [];
  const capture: ControlPublisher = {
    async publish(message) {
      published.push(message);
      return { topic: 'captured', partition: 0, offset: String(published.length - 1) };
    },
    async close() {},
  };
  const app = await buildAdminApi({
    config: { adminBootstrapToken: adminToken, ...options.config },
    db,
    vault,
    logger: createLogger({ name: 'admin-api-test', level: 'silent' }),
    ...(options.kafka === undefined ? {} : { kafka: options.kafka }),
    ...(options.controlPublisher === null ? {} : { controlPublisher: options.controlPublisher ?? capture }),
  });
  scope.after(async () => {
    await app.close();
    await db.end();
  });
  const call = async (method: string, url: string, callOptions: CallOptions = {}): Promise<CallResult> => {
    const token = callOptions.token === undefined ? adminToken : callOptions.token;
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...callOptions.headers },
      ...(callOptions.payload !== undefined
        ? { payload: callOptions.payload }
        : callOptions.body !== undefined
          ? { payload: callOptions.body as object }
          : {}),
    });
    let body: unknown;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, body, text: response.body, response };
  };
  return {
    app,
    db,
    vault,
    masterKeys,
    adminToken,
    schema: isolated.schema,
    connectionString: isolated.connectionString,
    published,
    call,
  };
}

/** A multipart/form-data body for `call`: string parts as fields, Blob parts as files named `<part>.ionapi`. */
export async function multipart(
  parts: Record<string, string | Blob>,
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (value instanceof Blob) form.append(name, value, `${name}.ionapi`);
    else form.append(name, value);
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
  };
}

/** A realistic cloud `.ionapi` (shape of an ION API Gateway download for a backend service). */
export function sampleIonApi(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ti: 'ACME_PRD',
    cn: 'ml-connector',
    dt: '12',
    ci: 'ACME_PRD~Xk2pQ9vR4tY7uI0oP3aS6dF8gH1jK5lZ',
    cs: `cs-${randomBytes(24).toString('base64url')}`,
    iu: 'https://mingle-ionapi.eu1.inforcloudsuite.com',
    pu: 'https://mingle-sso.eu1.inforcloudsuite.com:443/ACME_PRD/as/',
    oa: 'authorization.oauth2',
    ot: 'token.oauth2',
    or: 'revoke_token.oauth2',
    ev: 'U1234567890',
    v: '1.0',
    saak: `ACME_PRD#${randomBytes(32).toString('base64url')}`,
    sask: `sask-${randomBytes(24).toString('base64url')}`,
    ...overrides,
  };
}

export function sampleTenantBody(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Tenant ${id}`,
    product: 'm3',
    m3: { company: '100', division: 'AAA' },
    ionapi: sampleIonApi(),
    zendesk: {
      subdomain: id.replace(/_/g, '-'),
      oauth: { clientId: 'mlc-loader', clientSecret: `zd-${randomBytes(20).toString('hex')}` },
    },
    rateLimits: { ionRpm: 300, zendeskPlanRpm: 400, zendeskShare: 0.5 },
    schedule: { cron: '0 2 * * *', timeZone: 'Europe/Berlin' },
    ...overrides,
  };
}

/** Every secret string of a tenant body, to scan responses and dumps for. */
export function secretsOf(body: Record<string, unknown>): string[] {
  const ionapi = body.ionapi as Record<string, string>;
  const zendesk = body.zendesk as { oauth?: { clientSecret: string }; apiToken?: { token: string } };
  return [ionapi.cs, ionapi.saak, ionapi.sask, zendesk.oauth?.clientSecret, zendesk.apiToken?.token].filter(
    (value): value is string => typeof value === 'string',
  );
}
