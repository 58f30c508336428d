/**
 * A simulated CloudSuite tenant: its product, its backend-service app credentials, its gateway
 * settings (quota, token lifetime, refresh tokens) and its ERP data.
 */
import { randomBytes } from 'node:crypto';
import { DistributorDataset } from './distributor-dataset.ts';

export type CloudSuiteProduct = 'm3' | 'csi';

export interface TenantOptions {
  tenantId: string;
  product?: CloudSuiteProduct;
  /** Requests per minute on the API; 0 means unlimited (the default). */
  rpm?: number;
  /** Whether a 429 carries Retry-After. */
  sendRetryAfter?: boolean;
  tokenExpiresInSec?: number;
  issuesRefreshTokens?: boolean;
  records?: number;
  seed?: number;
  /** The Mongoose configuration name CSI requests must send in X-Infor-MongooseConfig. */
  mongooseConfig?: string;
  /** The instant generated history ends (epoch ms); see DistributorDataset. */
  anchorMs?: number;
}

export interface CloudSuiteTenant {
  tenantId: string;
  product: CloudSuiteProduct;
  appName: string;
  clientId: string;
  clientSecret: string;
  serviceAccountKey: string;
  serviceAccountSecret: string;
  rpm: number;
  sendRetryAfter: boolean;
  tokenExpiresInSec: number;
  issuesRefreshTokens: boolean;
  mongooseConfig: string;
  dataset: DistributorDataset;
}

export class TenantOptionsError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'TenantOptionsError';
    this.field = field;
  }
}

const TENANT_ID = /^[A-Z0-9][A-Z0-9_]{1,39}$/;

export function createTenant(
  options: TenantOptions,
  defaults: { records: number; seed: number; now?: () => number },
): CloudSuiteTenant {
  if (typeof options.tenantId !== 'string' || !TENANT_ID.test(options.tenantId)) {
    throw new TenantOptionsError('tenantId', 'tenantId must be 2-40 upper-case letters, digits or _ (e.g. ACME_TST)');
  }
  const product = options.product ?? 'm3';
  if (product !== 'm3' && product !== 'csi') throw new TenantOptionsError('product', 'product must be m3 or csi');
  const rpm = options.rpm ?? 0;
  if (!Number.isInteger(rpm) || rpm < 0) throw new TenantOptionsError('rpm', 'rpm must be a non-negative integer');
  const tokenExpiresInSec = options.tokenExpiresInSec ?? 7200;
  if (!Number.isFinite(tokenExpiresInSec) || tokenExpiresInSec <= 0) {
    throw new TenantOptionsError('tokenExpiresInSec', 'tokenExpiresInSec must be a positive number');
  }
  const records = options.records ?? defaults.records;
  let dataset: DistributorDataset;
  try {
    dataset = new DistributorDataset({
      records,
      seed: options.seed ?? defaults.seed,
      ...(options.anchorMs !== undefined ? { anchorMs: options.anchorMs } : {}),
      ...(defaults.now ? { now: defaults.now } : {}),
    });
  } catch (err) {
    throw new TenantOptionsError('records', err instanceof Error ? err.message : 'invalid records');
  }
  const secret = () => randomBytes(24).toString('base64url');
  const id = options.tenantId;
  return {
    tenantId: id,
    product,
    appName: `ml-connector ${id}`,
    clientId: `${id}~${randomBytes(12).toString('base64url')}`,
    clientSecret: secret(),
    serviceAccountKey: `${id}#${randomBytes(32).toString('base64url')}`,
    serviceAccountSecret: secret(),
    rpm,
    sendRetryAfter: options.sendRetryAfter ?? true,
    tokenExpiresInSec,
    issuesRefreshTokens: options.issuesRefreshTokens ?? false,
    mongooseConfig: options.mongooseConfig ?? `${id}_DALS`,
    dataset,
  };
}
