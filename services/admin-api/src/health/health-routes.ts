import { type MlcMetrics, renderMetrics } from '@mlc/common/metrics';
import type { FastifyInstance } from 'fastify';

/** A dependency /readyz checks: resolves when reachable, rejects (or times out) otherwise. */
export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Messages of pg/kafkajs/undici name hosts, not credentials; the database URL's password never reaches them.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (the process answers), /readyz (every dependency answers: 503 otherwise), /metrics (Prometheus). */
export async function healthRoutes(
  app: FastifyInstance,
  options: { checks: Readonly<Record<string, ReadinessCheck>>; metrics: MlcMetrics },
): Promise<void> {
  const config = { public: true };
  const tags = ['health'];
  app.get('/healthz', { config, schema: { tags, summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { config, schema: { tags, summary: 'Readiness: PostgreSQL, Kafka, schema registry' } },
    async (_request, reply) => {
      const names = Object.keys(options.checks);
      const results = await Promise.all(names.map((name) => runCheck(options.checks[name] as ReadinessCheck)));
      const checks = Object.fromEntries(names.map((name, index) => [name, results[index]]));
      const ready = results.every((result) => result.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
  app.get('/metrics', { config, schema: { tags, summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const { contentType, body } = await renderMetrics(options.metrics.registry);
    return reply.type(contentType).send(body);
  });
}
