/**
 * `GET /{ti}/CSI/IDORequestService/ido/load/{IDO}`. Through ION API the Mongoose configuration must be
 * named in `X-Infor-MongooseConfig`; without it (or with an unknown one) the request is refused with
 * HTTP 400 and a Success:false body (the exact status of the real service is not documented).
 */
import type { FastifyInstance } from 'fastify';
import type { CloudSuiteTenant } from './cloudsuite-tenant.ts';
import { idoFailure, loadCollection } from './csi-ido-load.ts';

export function registerCsiIdoRoutes(
  app: FastifyInstance,
  tenantOf: (id: string) => CloudSuiteTenant | undefined,
): void {
  app.get<{ Params: { tenant: string; ido: string }; Querystring: Record<string, string> }>(
    '/:tenant/CSI/IDORequestService/ido/load/:ido',
    async (request, reply) => {
      const tenant = tenantOf(request.params.tenant);
      if (tenant?.product !== 'csi')
        return reply.code(404).send({ error: 'Not Found', message: 'No CSI service for this tenant' });
      const config = request.headers['x-infor-mongooseconfig'];
      if (typeof config !== 'string' || config.trim() === '') {
        return reply
          .code(400)
          .send(idoFailure('The X-Infor-MongooseConfig header is required when calling through ION API'));
      }
      if (config !== tenant.mongooseConfig) {
        return reply.code(400).send(idoFailure(`Configuration ${config} is not available on this application server`));
      }
      const q = request.query;
      const pickParam = (name: string) => {
        const key = Object.keys(q).find((k) => k.toLowerCase() === name);
        const v = key === undefined ? undefined : (q[key] as unknown);
        return Array.isArray(v) ? String(v[0]) : (v as string | undefined);
      };
      const query: Record<string, string> = {};
      for (const name of ['properties', 'filter', 'recordcap', 'loadtype', 'bookmark', 'readonly']) {
        const v = pickParam(name);
        if (v !== undefined) query[name] = v;
      }
      return reply.send(loadCollection(tenant.dataset, request.params.ido, query));
    },
  );
}
