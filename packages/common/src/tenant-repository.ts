import type pg from 'pg';
import type { CredentialVault, SealedSecret } from './credential-vault.ts';
import { MlcError } from './errors.ts';
import { type IonApiFile, parseIonApiFile } from './ionapi-file.ts';

/**
 * Typed access to the `tenants` table. Credentials are sealed with the credential vault, bound to the tenant
 * id and their purpose (a ciphertext copied to another row or column does not open), and only ever opened
 * by the service that uses them. A TenantRecord carries no plaintext secret.
 */
export type TenantProduct = 'm3' | 'csi';
export type TenantStatus = 'active' | 'paused';

/** Product settings: M3 company/division, CSI Mongoose configuration, extractor options. */
export interface TenantErpConfig {
  company?: string;
  division?: string;
  mongooseConfig?: string;
  /** Emit op=delete events from SES120MI/LstDeleted where the tenant enabled deletion audit. */
  deletes?: boolean;
  [key: string]: unknown;
}

/** Zendesk OAuth client (preferred) or a legacy API token (retired by Zendesk on 2027-04-30). */
export type ZendeskCredentials =
  | { kind: 'oauth'; clientId: string; clientSecret: string }
  | { kind: 'api_token'; email: string; apiToken: string };

export interface TenantRecord {
  id: string;
  name: string;
  product: TenantProduct;
  status: TenantStatus;
  erpConfig: TenantErpConfig;
  hasIonApiCredentials: boolean;
  ionApiKeyId: string | null;
  zendeskSubdomain: string | null;
  /** Overrides `https://{subdomain}.zendesk.com` (simulators, sandboxes, proxies). */
  zendeskBaseUrl: string | null;
  hasZendeskCredentials: boolean;
  zendeskKeyId: string | null;
  ionRpm: number;
  zendeskRpm: number;
  zendeskShare: number;
  scheduleCron: string | null;
  scheduleTz: string;
  mapping: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** Sealed credentials as stored; open them with openIonApiCredentials / openZendeskCredentials. */
  sealed: { ionapi: SealedSecret | null; zendesk: SealedSecret | null };
}

export interface TenantInput {
  id: string;
  name: string;
  product: TenantProduct;
  status?: TenantStatus;
  erpConfig?: TenantErpConfig;
  /** The `.ionapi` file as uploaded (text, bytes or parsed JSON); validated before it is sealed. */
  ionApiFile?: string | Uint8Array | object;
  zendeskSubdomain?: string | null;
  zendeskBaseUrl?: string | null;
  zendeskCredentials?: ZendeskCredentials;
  ionRpm?: number;
  zendeskRpm?: number;
  zendeskShare?: number;
  scheduleCron?: string | null;
  scheduleTz?: string;
  mapping?: Record<string, unknown>;
}

export type TenantUpdate = Partial<Omit<TenantInput, 'id'>>;

/** What a pool, a client or a transaction client offers. */
type Queryable = Pick<pg.Pool, 'query'>;

const ION_PURPOSE = 'ionapi';
const ZENDESK_PURPOSE = 'zendesk';

export function credentialContext(tenantId: string, purpose: typeof ION_PURPOSE | typeof ZENDESK_PURPOSE): string {
  return `tenant:${tenantId}:${purpose}`;
}

interface TenantRow {
  id: string;
  name: string;
  product: TenantProduct;
  status: TenantStatus;
  erp_config: TenantErpConfig;
  ionapi_ciphertext: Buffer | null;
  ionapi_key_id: string | null;
  zendesk_subdomain: string | null;
  zendesk_base_url: string | null;
  zendesk_credential_ciphertext: Buffer | null;
  zendesk_credential_key_id: string | null;
  ion_rpm: number;
  zendesk_rpm: number;
  zendesk_share: string;
  schedule_cron: string | null;
  schedule_tz: string;
  mapping: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

function sealedOf(buffer: Buffer | null): SealedSecret | null {
  return buffer === null ? null : (JSON.parse(buffer.toString('utf8')) as SealedSecret);
}

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    product: row.product,
    status: row.status,
    erpConfig: row.erp_config ?? {},
    hasIonApiCredentials: row.ionapi_ciphertext !== null,
    ionApiKeyId: row.ionapi_key_id,
    zendeskSubdomain: row.zendesk_subdomain,
    zendeskBaseUrl: row.zendesk_base_url ?? null,
    hasZendeskCredentials: row.zendesk_credential_ciphertext !== null,
    zendeskKeyId: row.zendesk_credential_key_id,
    ionRpm: row.ion_rpm,
    zendeskRpm: row.zendesk_rpm,
    zendeskShare: Number(row.zendesk_share),
    scheduleCron: row.schedule_cron,
    scheduleTz: row.schedule_tz,
    mapping: row.mapping ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sealed: { ionapi: sealedOf(row.ionapi_ciphertext), zendesk: sealedOf(row.zendesk_credential_ciphertext) },
  };
}

function sealToColumn(
  vault: CredentialVault,
  value: unknown,
  tenantId: string,
  purpose: typeof ION_PURPOSE | typeof ZENDESK_PURPOSE,
) {
  const sealed = vault.seal(value, credentialContext(tenantId, purpose));
  return { ciphertext: Buffer.from(JSON.stringify(sealed), 'utf8'), keyId: sealed.keyId };
}

function checkZendeskCredentials(credentials: ZendeskCredentials): ZendeskCredentials {
  const fields =
    credentials.kind === 'oauth' ? (['clientId', 'clientSecret'] as const) : (['email', 'apiToken'] as const);
  for (const field of fields) {
    const value = (credentials as Record<string, unknown>)[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new MlcError('MLC_VALIDATION', `Zendesk credentials need a non-empty ${field}`, {
        field: `zendeskCredentials.${field}`,
      });
    }
  }
  return credentials;
}

/** Maps the unique-violation and check-violation errors of PostgreSQL to MlcErrors naming the field. */
function databaseError(error: unknown, tenantId: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === '23505')
    return new MlcError('MLC_CONFLICT', `Tenant ${tenantId} already exists`, { field: 'id', cause: error });
  if (code === '23514') {
    const constraint = String((error as { constraint?: unknown }).constraint ?? '');
    const field = constraint.replace(/^tenants_/, '').replace(/_check$/, '') || undefined;
    return new MlcError('MLC_VALIDATION', `Tenant value violates ${constraint || 'a constraint'}`, {
      field,
      cause: error,
    });
  }
  return error;
}

const COLUMNS: Record<string, string> = {
  name: 'name',
  product: 'product',
  status: 'status',
  erpConfig: 'erp_config',
  zendeskSubdomain: 'zendesk_subdomain',
  zendeskBaseUrl: 'zendesk_base_url',
  ionRpm: 'ion_rpm',
  zendeskRpm: 'zendesk_rpm',
  zendeskShare: 'zendesk_share',
  scheduleCron: 'schedule_cron',
  scheduleTz: 'schedule_tz',
  mapping: 'mapping',
};

function columnValues(vault: CredentialVault, tenantId: string, input: TenantUpdate): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = (input as Record<string, unknown>)[key];
    if (value === undefined) continue;
    values.set(column, column === 'erp_config' || column === 'mapping' ? JSON.stringify(value) : value);
  }
  if (input.ionApiFile !== undefined) {
    const file = parseIonApiFile(input.ionApiFile);
    const { ciphertext, keyId } = sealToColumn(vault, file, tenantId, ION_PURPOSE);
    values.set('ionapi_ciphertext', ciphertext);
    values.set('ionapi_key_id', keyId);
  }
  if (input.zendeskCredentials !== undefined) {
    const { ciphertext, keyId } = sealToColumn(
      vault,
      checkZendeskCredentials(input.zendeskCredentials),
      tenantId,
      ZENDESK_PURPOSE,
    );
    values.set('zendesk_credential_ciphertext', ciphertext);
    values.set('zendesk_credential_key_id', keyId);
  }
  return values;
}

export async function createTenant(db: Queryable, vault: CredentialVault, input: TenantInput): Promise<TenantRecord> {
  const values = columnValues(vault, input.id, input);
  const columns = ['id', ...values.keys()];
  const params = [input.id, ...values.values()];
  try {
    const { rows } = await db.query<TenantRow>(
      `INSERT INTO tenants (${columns.join(', ')}) VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      params,
    );
    return toRecord(rows[0] as TenantRow);
  } catch (error) {
    throw databaseError(error, input.id);
  }
}

export async function getTenant(db: Queryable, id: string): Promise<TenantRecord | undefined> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : toRecord(rows[0]);
}

export async function listTenants(
  db: Queryable,
  filter: { status?: TenantStatus; ids?: readonly string[] } = {},
): Promise<TenantRecord[]> {
  const { rows } = await db.query<TenantRow>(
    'SELECT * FROM tenants WHERE ($1::text IS NULL OR status = $1) AND ($2::text[] IS NULL OR id = ANY($2)) ORDER BY id',
    [filter.status ?? null, filter.ids ?? null],
  );
  return rows.map(toRecord);
}

/** Updates the given fields (credentials re-sealed when given); undefined when the tenant does not exist. */
export async function updateTenant(
  db: Queryable,
  vault: CredentialVault,
  id: string,
  update: TenantUpdate,
): Promise<TenantRecord | undefined> {
  const values = columnValues(vault, id, update);
  if (values.size === 0) return getTenant(db, id);
  const assignments = [...values.keys()].map((column, i) => `${column} = $${i + 2}`);
  try {
    const { rows } = await db.query<TenantRow>(
      `UPDATE tenants SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, ...values.values()],
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  } catch (error) {
    throw databaseError(error, id);
  }
}

export async function deleteTenant(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM tenants WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

export function openIonApiCredentials(vault: CredentialVault, tenant: TenantRecord): IonApiFile {
  if (tenant.sealed.ionapi === null) {
    throw new MlcError('MLC_VALIDATION', `Tenant ${tenant.id} has no .ionapi credentials`, { field: 'ionApiFile' });
  }
  return parseIonApiFile(vault.open(tenant.sealed.ionapi, credentialContext(tenant.id, ION_PURPOSE)) as object);
}

export function openZendeskCredentials(vault: CredentialVault, tenant: TenantRecord): ZendeskCredentials {
  if (tenant.sealed.zendesk === null) {
    throw new MlcError('MLC_VALIDATION', `Tenant ${tenant.id} has no Zendesk credentials`, {
      field: 'zendeskCredentials',
    });
  }
  return checkZendeskCredentials(
    vault.open(tenant.sealed.zendesk, credentialContext(tenant.id, ZENDESK_PURPOSE)) as ZendeskCredentials,
  );
}
