import { randomUUID } from 'node:crypto';
import type { ReplayControlMessage } from '@mlc/common/control-message';
import { MlcError } from '@mlc/common/errors';
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../admin-api-deps.ts';
import { recordAdminAction } from '../admin-audit/admin-audit-log.ts';
import { principalOf } from '../auth/bearer-auth.ts';
import { bearerSecurity, tenantParams } from '../http/shared-schemas.ts';
import { accessibleTenant } from '../tenants/tenant-access.ts';
import type { ControlPublisher } from './control-publisher.ts';
import { type ReplayBody, replayBody } from './replay-schemas.ts';

export function requirePublisher(publisher: ControlPublisher | undefined): ControlPublisher {
  if (publisher === undefined) {
    throw new MlcError(
      'MLC_CONTROL_UNAVAILABLE',
      'This admin API has no Kafka connection: control messages cannot be sent',
    );
  }
  return publisher;
}

/** POST /tenants/{id}/replay: a `replay` control message the owning loader acts on while it runs (README: Replay runbook). */
export async function replayRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  app.post(
    '/tenants/:id/replay',
    {
      schema: {
        tags: ['replay'],
        security: bearerSecurity,
        summary: 'Replay a tenant (optionally one entity, some keys) from earliest or a time',
        params: tenantParams,
        body: replayBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as { id: string };
      const body = request.body as ReplayBody;
      await accessibleTenant(request, deps.db, id);
      const publisher = requirePublisher(deps.controlPublisher);
      const message: ReplayControlMessage = {
        type: 'replay',
        version: 1,
        requestId: randomUUID(),
        tenantId: id,
        requestedBy: principal.name,
        requestedAt: new Date().toISOString(),
        entity: body.entity ?? null,
        from: body.from === 'earliest' ? 'earliest' : new Date(body.from).toISOString(),
        naturalKeys: body.naturalKeys ?? null,
        force: body.force,
      };
      const position = await publisher.publish(message);
      await recordAdminAction(deps.db, principal, {
        action: 'tenant.replay',
        target: `tenant:${id}`,
        details: {
          requestId: message.requestId,
          entity: message.entity,
          from: message.from,
          keys: message.naturalKeys?.length ?? null,
          force: message.force,
        },
      });
      return reply.code(202).send({ requestId: message.requestId, message, controlTopic: position });
    },
  );
}
