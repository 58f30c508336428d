/**
 * The CloudSuite simulator: ION API gateway (OAuth, quota, faults), M3 MI REST v2 and CSI IDO REST
 * over seeded distributor datasets, one per tenant. Runs in-process for tests (`listen({ port: 0 })`)
 * and standalone through main.ts.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { FaultInjector } from '../shared/fault-injection.ts';
import { RequestLog } from '../shared/request-log.ts';
import { RpmLimiter } from '../shared/rpm-limiter.ts';
import { seededRandom } from '../shared/seeded-random.ts';
import { type CloudSuiteTenant, createTenant, type TenantOptions } from './cloudsuite-tenant.ts';
import { registerCsiIdoRoutes } from './csi-ido-route.ts';
import { registerIonGateway } from './ion-gateway.ts';
import { registerIonOAuthRoutes } from './ion-oauth-routes.ts';
import { IonTokenStore } from './ion-token-store.ts';
import { buildIonApiFile, type IonApiFile } from './ionapi-file.ts';
import { registerM3MiRoutes } from './m3-mi-route.ts';
import { registerSimulatorAdminRoutes } from './simulator-admin-routes.ts';

export interface CloudSuiteSimulatorOptions {
  /** Default dataset size for tenants that do not give one. */
  records?: number;
  /** Default seed for datasets and for fault-rate randomness. */
  seed?: number;
  /** Base URL written into `.ionapi` files; default: the Host the request came in on. */
  publicBaseUrl?: string;
  logger?: boolean;
  now?: () => number;
}

export interface CloudSuiteSimulator {
  app: FastifyInstance;
  state: { tenants: Map<string, CloudSuiteTenant> };
  requestLog: RequestLog;
  faults: FaultInjector;
  tokens: IonTokenStore;
  addTenant(options: TenantOptions): CloudSuiteTenant;
  tenant(tenantId: string): CloudSuiteTenant;
  ionapiFileFor(tenantId: string, baseUrl?: string): IonApiFile;
  /** The listening base URL (after `listen`). */
  baseUrl(): string;
  close(): Promise<void>;
}

export function buildCloudSuiteSimulator(options: CloudSuiteSimulatorOptions = {}): CloudSuiteSimulator {
  const now = options.now ?? Date.now;
  const defaults = { records: options.records ?? 1000, seed: options.seed ?? 42, now };
  const app = Fastify({ logger: options.logger ?? false });
  app.register(formbody);
  const tenants = new Map<string, CloudSuiteTenant>();
  const requestLog = new RequestLog();
  const faults = new FaultInjector(seededRandom(defaults.seed));
  const tokens = new IonTokenStore(now);
  const limiter = new RpmLimiter(now);
  const tenantOf = (id: string) => tenants.get(id);

  const listeningBaseUrl = () => {
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('the simulator is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  };
  const baseUrlFor = (request: FastifyRequest) =>
    options.publicBaseUrl ?? `${request.protocol}://${request.headers.host}`;

  const addTenant = (tenantOptions: TenantOptions) => {
    if (tenants.has(tenantOptions.tenantId)) throw new Error(`tenant ${tenantOptions.tenantId} exists`);
    const t = createTenant(tenantOptions, defaults);
    tenants.set(t.tenantId, t);
    return t;
  };
  const tenant = (id: string) => {
    const t = tenants.get(id);
    if (!t) throw new Error(`no tenant ${id}`);
    return t;
  };
  const ionapiFileFor = (tenantId: string, baseUrl?: string) =>
    buildIonApiFile(tenant(tenantId), baseUrl ?? options.publicBaseUrl ?? listeningBaseUrl());

  registerIonGateway(app, { tenant: tenantOf, tokens, limiter, faults, requestLog });
  registerIonOAuthRoutes(app, { tenant: tenantOf, tokens });
  registerM3MiRoutes(app, tenantOf);
  registerCsiIdoRoutes(app, tenantOf);
  registerSimulatorAdminRoutes(app, {
    tenants,
    addTenant,
    ionapiFileFor,
    baseUrlFor,
    tokens,
    limiter,
    faults,
    requestLog,
  });

  return {
    app,
    state: { tenants },
    requestLog,
    faults,
    tokens,
    addTenant,
    tenant,
    ionapiFileFor,
    baseUrl: listeningBaseUrl,
    close: () => app.close(),
  };
}
