import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { CredentialVault } from '@mlc/common/credential-vault';
import { createHttpClient, type HttpClient } from '@mlc/common/http-client';
import type { Logger } from '@mlc/common/logger';
import { createMetrics, type MlcMetrics } from '@mlc/common/metrics';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type pg from 'pg';
import { Counter } from 'prom-client';
import type { AdminApiDeps } from './admin-api-deps.ts';
import { adminAuditRoutes } from './admin-audit/admin-audit-routes.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { ensureBootstrapToken } from './auth/admin-token-store.ts';
import { installBearerAuth } from './auth/bearer-auth.ts';
import { connectionTestRoutes } from './connection-test/connection-test-routes.ts';
import { dlqRoutes } from './dlq/dlq-routes.ts';
import { healthRoutes, type ReadinessCheck } from './health/health-routes.ts';
import { frameworkErrorReply, installApiErrorHandler } from './http/api-error-handler.ts';
import { useZodValidation, zodToOpenApiTransform } from './http/zod-route-schemas.ts';
import { provisioningRoutes } from './provisioning/provisioning-routes.ts';
import { type ControlPublisher, kafkaControlPublisher } from './replay/control-publisher.ts';
import { replayRoutes } from './replay/replay-routes.ts';
import { runsRoutes } from './runs/runs-routes.ts';
import { tenantsRoutes } from './tenants/tenants-routes.ts';
import { tokensRoutes } from './tokens/tokens-routes.ts';
import { vaultRoutes } from './vault/vault-routes.ts';

export interface AdminApiConfig {
  /** Stored hashed as the first admin token when no admin token exists. */
  adminBootstrapToken?: string | undefined;
  kafkaBrokers?: readonly string[];
  /** Checked by /readyz when given. */
  schemaRegistryUrl?: string;
  /** Test isolation: prepended to the control topic's name. */
  topicPrefix?: string;
  /** Of the connector's topics, declared with the first control message if missing (default 1 and 1). */
  topics?: { partitions: number; replicationFactor: number };
  bodyLimitBytes?: number;
}

export interface BuildAdminApiOptions {
  config: AdminApiConfig;
  db: pg.Pool;
  vault: CredentialVault;
  /** Without it, replay and DLQ retry answer 503 and /readyz does not check a broker. */
  kafka?: Kafka;
  logger: Logger;
  /** Replaces the Kafka control publisher (tests). */
  controlPublisher?: ControlPublisher;
  /** For connection tests; one is created (and closed with the app) when absent. */
  http?: HttpClient;
  metrics?: MlcMetrics;
}

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

function readinessChecks(options: BuildAdminApiOptions, http: HttpClient, onAdmin: (admin: Admin) => void) {
  const checks: Record<string, ReadinessCheck> = {
    postgres: async () => {
      await options.db.query('SELECT 1');
    },
  };
  const { kafka } = options;
  if (kafka !== undefined) {
    let admin: Promise<Admin> | undefined;
    checks.kafka = async () => {
      if (admin === undefined) {
        const candidate = kafka.admin();
        onAdmin(candidate);
        admin = candidate.connect().then(() => candidate);
        admin.catch(() => {
          admin = undefined;
        });
      }
      await (await admin).describeCluster();
    };
  }
  const registryUrl = options.config.schemaRegistryUrl;
  if (registryUrl !== undefined) {
    checks.schemaRegistry = async () => {
      const response = await http.requestJson({ url: `${registryUrl.replace(/\/+$/, '')}/subjects`, timeoutMs: 2500 });
      if (response.status !== 200) throw new Error(`registry answered ${response.status}`);
    };
  }
  return checks;
}

/**
 * The admin API as a fastify instance (not listening): auth, error catalog, zod-validated route groups,
 * OpenAPI at /openapi.json and docs at /docs. Stores the bootstrap token when needed. Closing the instance
 * closes what it created (control producer, HTTP client, Kafka admin); the pool stays the caller's.
 */
export async function buildAdminApi(options: BuildAdminApiOptions): Promise<FastifyInstance> {
  const { config, db, vault, logger } = options;
  const http = options.http ?? createHttpClient({ userAgent: 'ml-connector-admin-api' });
  const metrics = options.metrics ?? createMetrics({ processMetrics: true });
  const controlPublisher =
    options.controlPublisher ??
    (options.kafka === undefined
      ? undefined
      : kafkaControlPublisher({
          kafka: options.kafka,
          brokers: config.kafkaBrokers ?? [],
          topics: config.topics ?? { partitions: 1, replicationFactor: 1 },
          ...(config.topicPrefix === undefined ? {} : { topicPrefix: config.topicPrefix }),
        }));
  const admins: Admin[] = [];

  if (config.adminBootstrapToken !== undefined && (await ensureBootstrapToken(db, config.adminBootstrapToken))) {
    logger.warn('stored the bootstrap admin token (ADMIN_BOOTSTRAP_TOKEN): create named tokens and remove it');
  }

  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    frameworkErrors: frameworkErrorReply,
  });
  // Plain text is no body this API takes: answering 415 beats a confusing validation error.
  app.removeContentTypeParser('text/plain');
  useZodValidation(app);
  installApiErrorHandler(app, logger);
  installBearerAuth(app, db);

  const requests = new Counter({
    name: 'mlc_admin_api_requests_total',
    help: 'Admin API requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });
  app.addHook('onClose', async () => {
    await controlPublisher?.close().catch(() => {});
    for (const admin of admins) await admin.disconnect().catch(() => {});
    if (options.http === undefined) await http.close();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ml-connector admin API',
        version: '1',
        description:
          'Tenants, credentials, runs, posting audit, replay and dead letters of the CloudSuite → Zendesk connector.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: zodToOpenApiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  const deps: AdminApiDeps = { db, vault, logger, controlPublisher, http };
  await app.register(async (scope) =>
    healthRoutes(scope, { checks: readinessChecks(options, http, (admin) => admins.push(admin)), metrics }),
  );
  for (const routes of [
    tokensRoutes,
    tenantsRoutes,
    connectionTestRoutes,
    vaultRoutes,
    runsRoutes,
    auditRoutes,
    replayRoutes,
    dlqRoutes,
    adminAuditRoutes,
    provisioningRoutes,
  ]) {
    await app.register(async (scope) => routes(scope, deps));
  }
  return app;
}
