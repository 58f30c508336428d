import { createServer, type Server } from 'node:http';
import { renderMetrics } from '@mlc/common/metrics';
import type { Registry } from 'prom-client';

/** /healthz (the process answers), /readyz (dependencies reachable), /metrics (Prometheus) on one port. */
export async function startHealthServer(options: {
  port: number;
  registry: Registry;
  ready: () => Promise<boolean>;
}): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async () => {
      if (path === '/healthz') return { status: 200, type: 'application/json', body: '{"status":"ok"}' };
      if (path === '/readyz') {
        const ready = await options.ready().catch(() => false);
        return {
          status: ready ? 200 : 503,
          type: 'application/json',
          body: JSON.stringify({ status: ready ? 'ready' : 'not ready' }),
        };
      }
      if (path === '/metrics') {
        const { contentType, body } = await renderMetrics(options.registry);
        return { status: 200, type: contentType, body };
      }
      return { status: 404, type: 'application/json', body: '{"error":"not found"}' };
    };
    answer().then(
      ({ status, type, body }) => response.writeHead(status, { 'content-type': type }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, resolve);
  });
  return server;
}
