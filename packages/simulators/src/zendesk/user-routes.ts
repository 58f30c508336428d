import type { FastifyInstance } from 'fastify';
import { itemResult } from './job-results.ts';
import { jobStatusView } from './job-runner.ts';
import { userView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { bodyObject, bulkItems, idList, numericId, type SimulatorRuntime } from './simulator-runtime.ts';
import { findUserMatch, writeUser } from './user-writes.ts';
import { zendeskErrors } from './zendesk-errors.ts';

export function registerUserRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  app.get('/api/v2/users/me', async (request) => {
    const account = accountOf(request);
    const me = account.users.get(account.agentUserId)!;
    return { user: userView(me, contextOf(request).baseUrl) };
  });

  app.get('/api/v2/users/search', async (request) => {
    const account = accountOf(request);
    const query = request.query as Record<string, string | undefined>;
    const externalId = query.external_id;
    const term = query.query;
    if (externalId === undefined && term === undefined)
      throw zendeskErrors.invalidParameter('Provide external_id or query');
    const users =
      externalId !== undefined
        ? account.users.matching('external_id', [externalId])
        : account.users.inOrder(
            (['email', 'name', 'external_id'] as const).flatMap((attribute) =>
              account.users.matching(attribute, [term!]).map((user) => user.id),
            ),
          );
    const baseUrl = contextOf(request).baseUrl;
    return {
      users: users.map((user) => userView(user, baseUrl)),
      next_page: null,
      previous_page: null,
      count: users.length,
    };
  });

  app.get('/api/v2/users/show_many', async (request) => {
    const account = accountOf(request);
    const ids = idList(request.query, 'ids');
    const externalIds = idList(request.query, 'external_ids');
    if (!ids && !externalIds) throw zendeskErrors.invalidParameter('Provide ids or external_ids');
    const users = ids
      ? account.users.inOrder(ids.map(Number)).filter((user) => ids.includes(String(user.id)))
      : account.users.matching('external_id', externalIds!);
    const baseUrl = contextOf(request).baseUrl;
    return {
      users: users.map((user) => userView(user, baseUrl)),
      next_page: null,
      previous_page: null,
      count: users.length,
    };
  });

  app.get<{ Params: { id: string } }>('/api/v2/users/:id', async (request) => {
    const user = accountOf(request).users.get(numericId(request.params.id));
    if (!user) throw zendeskErrors.recordNotFound();
    return { user: userView(user, contextOf(request).baseUrl) };
  });

  app.post('/api/v2/users/create_or_update', async (request, reply) => {
    const account = accountOf(request);
    const input = bodyObject(request).user;
    if (input === null || typeof input !== 'object') throw zendeskErrors.invalidParameter('user must be an object');
    const existing = findUserMatch(account, input as Record<string, unknown>);
    if (existing) {
      runtime.rateLimiter.takeEndpoint(
        `${account.subdomain}|user-update|${existing.id}`,
        account.endpointLimits.userUpdatesPerMinute,
        60_000,
        'Number of allowed updates to this user per minute exceeded',
      );
    }
    const outcome = writeUser(account, existing, input, runtime.now());
    if (!outcome.ok) throw zendeskErrors.recordInvalid(outcome.details);
    reply.code(outcome.action === 'create' ? 201 : 200);
    return { user: userView(outcome.record, contextOf(request).baseUrl) };
  });

  app.put<{ Params: { id: string } }>('/api/v2/users/:id', async (request) => {
    const account = accountOf(request);
    const existing = account.users.get(numericId(request.params.id));
    if (!existing) throw zendeskErrors.recordNotFound();
    runtime.rateLimiter.takeEndpoint(
      `${account.subdomain}|user-update|${existing.id}`,
      account.endpointLimits.userUpdatesPerMinute,
      60_000,
      'Number of allowed updates to this user per minute exceeded',
    );
    const outcome = writeUser(account, existing, bodyObject(request).user, runtime.now());
    if (!outcome.ok) throw zendeskErrors.recordInvalid(outcome.details);
    return { user: userView(outcome.record, contextOf(request).baseUrl) };
  });

  app.post('/api/v2/users/create_or_update_many', async (request) => {
    const account = accountOf(request);
    if (!account.bulkUserImportEnabled) throw zendeskErrors.bulkImportDisabled();
    const items = bulkItems(bodyObject(request), 'users');
    const job = runtime.jobs.enqueue(
      account,
      'Create Or Update Many Users',
      items.length,
      contextOf(request).baseUrl,
      () =>
        items.map((item, index) => {
          const existing =
            item !== null && typeof item === 'object' ? findUserMatch(account, item as Record<string, unknown>) : null;
          return itemResult(index, writeUser(account, existing, item, runtime.now()));
        }),
    );
    return { job_status: jobStatusView(job) };
  });
}
