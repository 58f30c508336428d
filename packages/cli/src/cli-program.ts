/**
 * `mlc`: the operator CLI. Every command is one admin API call (or a short poll of one), printed as a table
 * or `key: value` lines, or as the API's JSON with `--json`. Exit codes: 0 ok, 1 usage (bad flags, missing
 * token, unreadable file), 2 the admin API refused or did not answer (its error code is printed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AdminApiClient, type FetchLike } from './admin-api-client.ts';
import { adminApi, type TenantRegistration } from './admin-api-operations.ts';
import { type Column, renderJson, renderRecord, renderTable } from './output-format.ts';
import { entityProgressOf, isRunFinished, renderEntityProgress } from './run-progress.ts';
import { RunRequestSkipped, waitForRunOfRequest } from './run-request-tracking.ts';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_API_ERROR = 2;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  readFile: (path: string) => Promise<string>;
  fetch?: FetchLike;
}

/** A problem with what the user typed or pointed at, found before any API call. */
export class UsageError extends Error {
  override name = 'UsageError';
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:3000';

/** How often --wait polls; MLC_POLL_INTERVAL_MS shortens it (tests). */
function pollIntervalMs(io: CliIo): number {
  const value = Number(io.env.MLC_POLL_INTERVAL_MS);
  return Number.isInteger(value) && value > 0 ? value : 1000;
}

export function parsePositiveInt(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('must be a positive integer');
  }
  return value;
}

export function parseShare(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new InvalidArgumentError('must be a number in (0, 1]');
  }
  return value;
}

export function parseList(raw: string): string[] {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('must list at least one value');
  return items;
}

/** `earliest` or an ISO-8601 timestamp. */
export function parseReplayStart(raw: string): string {
  if (raw === 'earliest') return raw;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw new InvalidArgumentError('must be "earliest" or an ISO-8601 timestamp');
  return new Date(time).toISOString();
}

/** Reads a `.ionapi` file as JSON (tolerating a BOM); the admin API validates its keys. */
export async function readIonApiFile(io: CliIo, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new UsageError(`${path} is not a JSON .ionapi file`);
  }
}

interface TenantAddOptions {
  ionapi: string;
  id: string;
  name?: string;
  product: 'm3' | 'csi';
  company?: string;
  division?: string;
  mongooseConfig?: string;
  zendeskSubdomain: string;
  zendeskUrl?: string;
  zendeskClientId?: string;
  zendeskClientSecret?: string;
  zendeskEmail?: string;
  zendeskApiToken?: string;
  ionRpm?: number;
  zendeskPlan?: number | string;
  zendeskShare?: number;
  schedule?: string;
  timezone?: string;
}

export function zendeskCredentialsOf(
  options: TenantAddOptions,
  env: CliIo['env'],
): Pick<TenantRegistration['zendesk'], 'oauth' | 'apiToken'> {
  const clientSecret = options.zendeskClientSecret ?? env.MLC_ZENDESK_CLIENT_SECRET;
  if (options.zendeskClientId !== undefined) {
    if (clientSecret === undefined || clientSecret === '') {
      throw new UsageError('--zendesk-client-id needs --zendesk-client-secret (or MLC_ZENDESK_CLIENT_SECRET)');
    }
    return { oauth: { clientId: options.zendeskClientId, clientSecret } };
  }
  const token = options.zendeskApiToken ?? env.MLC_ZENDESK_API_TOKEN;
  if (options.zendeskEmail !== undefined && token !== undefined && token !== '') {
    return { apiToken: { email: options.zendeskEmail, token } };
  }
  throw new UsageError(
    'Zendesk credentials: pass --zendesk-client-id with --zendesk-client-secret (OAuth), ' +
      'or --zendesk-email with --zendesk-api-token (legacy)',
  );
}

/** The admin API's create-tenant body from the flags (mirrors createTenantBody in services/admin-api). */
export function tenantRegistrationOf(
  options: TenantAddOptions,
  ionapi: unknown,
  env: CliIo['env'],
): TenantRegistration {
  const product = options.product;
  if (product === 'm3' && options.company === undefined) throw new UsageError('product m3 needs --company (CONO)');
  if (product === 'csi' && options.mongooseConfig === undefined) {
    throw new UsageError('product csi needs --mongoose-config');
  }
  const rateLimits = {
    ...(options.ionRpm === undefined ? {} : { ionRpm: options.ionRpm }),
    ...(options.zendeskPlan === undefined ? {} : { zendeskPlanRpm: options.zendeskPlan }),
    ...(options.zendeskShare === undefined ? {} : { zendeskShare: options.zendeskShare }),
  };
  return {
    id: options.id,
    name: options.name ?? options.id,
    product,
    ...(product === 'm3'
      ? {
          m3: {
            company: options.company ?? '',
            ...(options.division === undefined ? {} : { division: options.division }),
          },
        }
      : { csi: { mongooseConfig: options.mongooseConfig ?? '' } }),
    ionapi,
    zendesk: {
      subdomain: options.zendeskSubdomain,
      ...(options.zendeskUrl === undefined ? {} : { baseUrl: options.zendeskUrl }),
      ...zendeskCredentialsOf(options, env),
    },
    ...(Object.keys(rateLimits).length > 0 ? { rateLimits } : {}),
    ...(options.schedule === undefined
      ? {}
      : {
          schedule: {
            cron: options.schedule,
            ...(options.timezone === undefined ? {} : { timeZone: options.timezone }),
          },
        }),
  };
}

/** A Zendesk plan name (team, growth, professional, enterprise, enterprise_plus) or its requests per minute. */
export function parseZendeskPlan(raw: string): number | string {
  if (['team', 'growth', 'professional', 'enterprise', 'enterprise_plus'].includes(raw)) return raw;
  return parsePositiveInt(raw);
}

const TENANT_COLUMNS: Column[] = [
  { key: 'id' },
  { key: 'name' },
  { key: 'product' },
  { key: 'status' },
  { key: 'zendeskSubdomain', header: 'zendesk' },
  { key: 'scheduleCron', header: 'schedule' },
];
const RUN_COLUMNS: Column[] = [
  { key: 'id' },
  { key: 'status' },
  { key: 'trigger' },
  { key: 'startedAt', header: 'started' },
  { key: 'finishedAt', header: 'finished' },
];
const AUDIT_COLUMNS: Column[] = [
  { key: 'entity' },
  { key: 'naturalKey', header: 'key' },
  { key: 'zendeskTarget', header: 'target' },
  { key: 'status' },
  { key: 'zendeskId', header: 'zendesk id' },
  { key: 'attempts' },
  { key: 'at' },
];
const HISTORY_COLUMNS: Column[] = [
  { key: 'at' },
  { key: 'status' },
  { key: 'attempts' },
  { key: 'contentHash', header: 'hash' },
  { key: 'zendeskId', header: 'zendesk id' },
  { key: 'error' },
];
const DLQ_COLUMNS: Column[] = [
  { key: 'id' },
  { key: 'entity' },
  { key: 'naturalKey', header: 'key' },
  { key: 'status' },
  { key: 'errorCode', header: 'code' },
  { key: 'error' },
  { key: 'at' },
];

/** Top-level fields only, with nested values as compact JSON: the detail view of one object. */
function flatRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { result: value };
}

export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('mlc')
    .description('Operate ml-connector through its admin API (CloudSuite → Kafka → Zendesk).')
    .option('--url <url>', `admin API base URL (env MLC_ADMIN_URL, default ${DEFAULT_ADMIN_URL})`)
    .option('--token <token>', 'admin API bearer token (prefer env MLC_ADMIN_TOKEN: flags end up in shell history)')
    .option('--json', 'print the API answer as JSON', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 usage error, 2 admin API error (its code is printed).\n' +
        'Environment: MLC_ADMIN_URL, MLC_ADMIN_TOKEN, MLC_ZENDESK_CLIENT_SECRET (for tenants add).',
    );

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const client = (command: Command): AdminApiClient => {
    // Read from io.env rather than commander's .env(), which reads process.env and so escapes the tests.
    const options = globals(command);
    const url = options.url ?? io.env.MLC_ADMIN_URL ?? DEFAULT_ADMIN_URL;
    const token = options.token ?? io.env.MLC_ADMIN_TOKEN;
    if (token === undefined || token === '')
      throw new UsageError('no admin token: set MLC_ADMIN_TOKEN or pass --token');
    return new AdminApiClient({ baseUrl: url, token, ...(io.fetch ? { fetch: io.fetch } : {}) });
  };
  const print = (command: Command, value: unknown, human: () => string) => {
    io.stdout(globals(command).json ? renderJson(value) : human());
  };

  const tenants = program.command('tenants').description('register and manage tenants');
  tenants
    .command('add')
    .description('register a tenant from its CloudSuite .ionapi file and its Zendesk OAuth client')
    .requiredOption('--ionapi <path>', 'the .ionapi file downloaded from Infor ION API (backend service app)')
    .requiredOption('--id <id>', 'tenant id (lower-case letters, digits, - and _)')
    .option('--name <name>', 'display name (default: the id)')
    .addOption(new Option('--product <product>', 'ERP product').choices(['m3', 'csi']).default('m3'))
    .option('--company <cono>', 'M3 company (CONO)')
    .option('--division <divi>', 'M3 division (DIVI)')
    .option('--mongoose-config <name>', 'CSI: Mongoose configuration (X-Infor-MongooseConfig)')
    .requiredOption('--zendesk-subdomain <subdomain>', 'Zendesk subdomain ({subdomain}.zendesk.com)')
    .option('--zendesk-url <url>', 'Zendesk base URL override (simulator, proxy)')
    .option('--zendesk-client-id <id>', 'Zendesk OAuth client identifier')
    .option('--zendesk-client-secret <secret>', 'Zendesk OAuth client secret (or MLC_ZENDESK_CLIENT_SECRET)')
    .option('--zendesk-email <email>', 'legacy API token auth: agent email')
    .option('--zendesk-api-token <token>', 'legacy API token auth: token (or MLC_ZENDESK_API_TOKEN)')
    .option('--ion-rpm <n>', 'ION API requests per minute for this tenant', parsePositiveInt)
    .option(
      '--zendesk-plan <plan>',
      'Zendesk plan (team, growth, professional, enterprise, enterprise_plus) or its rpm',
      parseZendeskPlan,
    )
    .option('--zendesk-share <fraction>', 'share of the Zendesk limit the connector may use, (0, 1]', parseShare)
    .option('--schedule <cron>', 'sync schedule as a cron expression, e.g. "0 6 * * *"')
    .option('--timezone <tz>', 'time zone of the schedule, e.g. Europe/Berlin')
    .action(async (options: TenantAddOptions, command: Command) => {
      const ionapi = await readIonApiFile(io, options.ionapi);
      const registration = tenantRegistrationOf(options, ionapi, io.env);
      const tenant = await adminApi.addTenant(client(command), registration);
      print(command, tenant, () => `tenant ${String(tenant.id ?? options.id)} registered\n${renderRecord(tenant)}`);
    });
  tenants
    .command('list')
    .description('list tenants')
    .action(async (_options: unknown, command: Command) => {
      const rows = await adminApi.listTenants(client(command));
      print(command, rows, () => renderTable(rows, TENANT_COLUMNS));
    });
  tenants
    .command('show <tenant>')
    .description('show a tenant (never its secrets)')
    .action(async (tenantId: string, _options: unknown, command: Command) => {
      const tenant = await adminApi.showTenant(client(command), tenantId);
      print(command, tenant, () => renderRecord(flatRecord(tenant)));
    });
  tenants
    .command('test <tenant>')
    .description('test the CloudSuite and Zendesk connections of a tenant')
    .action(async (tenantId: string, _options: unknown, command: Command) => {
      const result = await adminApi.testTenant(client(command), tenantId);
      print(command, result, () => renderRecord(flatRecord(result)));
    });
  for (const [name, verb, call] of [
    ['pause', 'paused', adminApi.pauseTenant],
    ['resume', 'resumed', adminApi.resumeTenant],
  ] as const) {
    tenants
      .command(`${name} <tenant>`)
      .description(name === 'pause' ? 'stop scheduled and manual runs of a tenant' : 'let a paused tenant run again')
      .action(async (tenantId: string, _options: unknown, command: Command) => {
        const result = await call(client(command), tenantId);
        print(command, result, () => `tenant ${tenantId} ${verb}\n`);
      });
  }

  const runs = program.command('runs').description('sync runs');
  runs
    .command('list <tenant>')
    .description("list a tenant's recent runs")
    .option('--limit <n>', 'how many', parsePositiveInt)
    .action(async (tenantId: string, options: { limit?: number }, command: Command) => {
      const rows = await adminApi.listRuns(client(command), tenantId, options.limit);
      print(command, rows, () => renderTable(rows, RUN_COLUMNS));
    });
  runs
    .command('show <run>')
    .description('show a run with its per-entity counts')
    .action(async (runId: string, _options: unknown, command: Command) => {
      const run = await adminApi.showRun(client(command), runId);
      print(command, run, () => renderRun(run));
    });
  runs
    .command('now <tenant>')
    .description('request a run now (the extractor picks it up)')
    .option('--entities <list>', 'only these entities, comma-separated', parseList)
    .option('--full', 'ignore watermarks and re-read everything', false)
    .option('--wait', 'wait until the run finishes and show its counts', false)
    .option('--timeout <seconds>', 'how long --wait waits', parsePositiveInt, 600)
    .action(
      async (
        tenantId: string,
        options: { entities?: string[]; full: boolean; wait: boolean; timeout: number },
        command: Command,
      ) => {
        const api = client(command);
        const request = await adminApi.requestRun(api, tenantId, {
          ...(options.entities ? { entities: options.entities } : {}),
          ...(options.full ? { fullResync: true } : {}),
        });
        if (!options.wait) {
          print(command, request, () => `run requested for ${tenantId} (request ${String(request.requestId)})\n`);
          return;
        }
        const deadline = Date.now() + options.timeout * 1000;
        const runId = await waitForRunOfRequest(api, request, {
          timeoutMs: options.timeout * 1000,
          intervalMs: pollIntervalMs(io),
        }).catch((error: unknown) => {
          throw error instanceof RunRequestSkipped ? new UsageError(error.message) : error;
        });
        if (runId === undefined) throw new UsageError(`no extractor started the run within ${options.timeout} s`);
        let run = await adminApi.showRun(api, runId);
        while (!isRunFinished(run) && Date.now() < deadline) {
          await sleep(pollIntervalMs(io));
          run = await adminApi.showRun(api, runId);
        }
        print(command, run, () => renderRun(run));
      },
    );

  const audit = program.command('audit').description('what was posted to Zendesk');
  audit
    .command('show <tenant>')
    .description("latest posting per record; with --entity and --key, that record's full history")
    .option('--entity <entity>', 'supplier | invoice | purchase-order | gl-account | customer')
    .option('--key <naturalKey>', 'natural key of one record (with --entity: its full history)')
    .option('--status <status>', 'applied | unchanged | failed | dead_lettered')
    .option('--since <time>', 'only postings at or after this ISO-8601 time')
    .option('--limit <n>', 'how many', parsePositiveInt)
    .action(
      async (
        tenantId: string,
        options: { entity?: string; key?: string; status?: string; since?: string; limit?: number },
        command: Command,
      ) => {
        const api = client(command);
        if (options.key !== undefined) {
          if (options.entity === undefined) throw new UsageError('--key needs --entity');
          const rows = await adminApi.auditHistory(api, tenantId, options.entity, options.key);
          print(command, rows, () => renderTable(rows, HISTORY_COLUMNS));
          return;
        }
        const { key: _key, ...query } = options;
        const rows = await adminApi.audit(api, tenantId, query);
        print(command, rows, () => renderTable(rows, AUDIT_COLUMNS));
      },
    );

  program
    .command('replay <tenant>')
    .description('re-deliver change events to the loader; unchanged records cost no Zendesk call unless --force')
    .option('--entity <entity>', 'only this entity')
    .option('--from <start>', '"earliest" or an ISO-8601 timestamp', parseReplayStart, 'earliest')
    .option('--keys <list>', 'only these natural keys, comma-separated (needs --entity)', parseList)
    .option('--force', 're-post even when the content hash is unchanged', false)
    .action(
      async (
        tenantId: string,
        options: { entity?: string; from: string; keys?: string[]; force: boolean },
        command: Command,
      ) => {
        if (options.keys !== undefined && options.entity === undefined) throw new UsageError('--keys needs --entity');
        const result = await adminApi.replay(client(command), tenantId, {
          from: options.from,
          force: options.force,
          ...(options.entity ? { entity: options.entity } : {}),
          ...(options.keys ? { naturalKeys: options.keys } : {}),
        });
        print(command, result, () => `replay requested for ${tenantId}\n${renderRecord(flatRecord(result))}`);
      },
    );

  const dlq = program.command('dlq').description('dead-lettered records');
  dlq
    .command('list <tenant>')
    .description("a tenant's dead-lettered records with their reasons")
    .option('--entity <entity>', 'only this entity')
    .option('--limit <n>', 'how many', parsePositiveInt)
    .action(async (tenantId: string, options: { entity?: string; limit?: number }, command: Command) => {
      const rows = await adminApi.listDeadLetters(client(command), tenantId, options);
      print(command, rows, () => renderTable(rows, DLQ_COLUMNS));
    });
  dlq
    .command('retry <tenant> [ids...]')
    .description('retry dead-lettered records: the given posting ids, or --all (optionally of one --entity)')
    .option('--all', 'retry every dead-lettered record of the tenant', false)
    .option('--entity <entity>', 'with --all: only this entity')
    .action(async (tenantId: string, ids: string[], options: { all: boolean; entity?: string }, command: Command) => {
      if (ids.length === 0 && !options.all) throw new UsageError('name the posting ids to retry, or pass --all');
      if (ids.length > 0 && options.all) throw new UsageError('pass either ids or --all, not both');
      const result = await adminApi.retryDeadLetters(
        client(command),
        tenantId,
        ids.length > 0 ? { ids } : { all: true, ...(options.entity ? { entity: options.entity } : {}) },
      );
      print(command, result, () => `retry requested\n${renderRecord(flatRecord(result))}`);
    });

  program
    .command('provision <tenant>')
    .description("create the Zendesk fields and custom objects the tenant's mapping needs (idempotent)")
    .option('--dry-run', 'only report what would be created', false)
    .action(async (tenantId: string, options: { dryRun: boolean }, command: Command) => {
      const result = await adminApi.provision(client(command), tenantId, options.dryRun);
      print(command, result, () => renderRecord(flatRecord(result)));
    });

  const key = program.command('key').description('credential master keys');
  key
    .command('rotate')
    .description("re-wrap every stored credential under the admin API's active master key (MLC_ACTIVE_KEY_ID)")
    .action(async (_options: unknown, command: Command) => {
      const result = await adminApi.rotateKey(client(command));
      print(command, result, () => renderRecord(flatRecord(result)));
    });

  return program;
}

export function renderRun(run: Record<string, unknown>): string {
  const { entities: _entities, ...head } = run;
  const rows = entityProgressOf(run);
  return `${renderRecord(head)}${rows.length > 0 ? `\n${renderEntityProgress(rows)}` : ''}`;
}
