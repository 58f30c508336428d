import type { FastifyInstance } from 'fastify';
import { failedResult, itemResult } from './job-results.ts';
import { jobStatusView } from './job-runner.ts';
import { findOrganizationMatch, writeOrganization } from './organization-writes.ts';
import { organizationView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { bodyObject, bulkItems, idList, numericId, type SimulatorRuntime } from './simulator-runtime.ts';
import { zendeskErrors } from './zendesk-errors.ts';

export function registerOrganizationRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  const takeUpdate = (subdomain: string, id: number, max: number | null) =>
    runtime.rateLimiter.takeEndpoint(
      `${subdomain}|organization-update|${id}`,
      max,
      60_000,
      'Number of allowed updates to this organization per minute exceeded',
    );

  app.get('/api/v2/organizations/search', async (request) => {
    const account = accountOf(request);
    const query = request.query as Record<string, string | undefined>;
    if (query.external_id !== undefined && query.name !== undefined) {
      throw zendeskErrors.invalidParameter('Search by external_id or name, not both');
    }
    if (query.external_id === undefined && query.name === undefined) {
      throw zendeskErrors.invalidParameter('Provide external_id or name');
    }
    const organizations =
      query.external_id !== undefined
        ? account.organizations.matching('external_id', [query.external_id])
        : account.organizations.matching('name', [query.name!]);
    const baseUrl = contextOf(request).baseUrl;
    return {
      organizations: organizations.map((organization) => organizationView(organization, baseUrl)),
      next_page: null,
      previous_page: null,
      count: organizations.length,
    };
  });

  app.get('/api/v2/organizations/show_many', async (request) => {
    const account = accountOf(request);
    const ids = idList(request.query, 'ids');
    const externalIds = idList(request.query, 'external_ids');
    if (!ids && !externalIds) throw zendeskErrors.invalidParameter('Provide ids or external_ids');
    const organizations = ids
      ? account.organizations.inOrder(ids.map(Number)).filter((organization) => ids.includes(String(organization.id)))
      : account.organizations.matching('external_id', externalIds!);
    const baseUrl = contextOf(request).baseUrl;
    return {
      organizations: organizations.map((organization) => organizationView(organization, baseUrl)),
      next_page: null,
      previous_page: null,
      count: organizations.length,
    };
  });

  app.get<{ Params: { id: string } }>('/api/v2/organizations/:id', async (request) => {
    const organization = accountOf(request).organizations.get(numericId(request.params.id));
    if (!organization) throw zendeskErrors.recordNotFound();
    return { organization: organizationView(organization, contextOf(request).baseUrl) };
  });

  app.post('/api/v2/organizations', async (request, reply) => {
    const account = accountOf(request);
    const outcome = writeOrganization(account, null, bodyObject(request).organization, runtime.now());
    if (!outcome.ok) throw zendeskErrors.recordInvalid(outcome.details);
    reply.code(201);
    return { organization: organizationView(outcome.record, contextOf(request).baseUrl) };
  });

  app.put<{ Params: { id: string } }>('/api/v2/organizations/:id', async (request) => {
    const account = accountOf(request);
    const existing = account.organizations.get(numericId(request.params.id));
    if (!existing) throw zendeskErrors.recordNotFound();
    takeUpdate(account.subdomain, existing.id, account.endpointLimits.organizationUpdatesPerMinute);
    const outcome = writeOrganization(account, existing, bodyObject(request).organization, runtime.now());
    if (!outcome.ok) throw zendeskErrors.recordInvalid(outcome.details);
    return { organization: organizationView(outcome.record, contextOf(request).baseUrl) };
  });

  app.post('/api/v2/organizations/create_or_update', async (request, reply) => {
    const account = accountOf(request);
    const input = bodyObject(request).organization;
    if (input === null || typeof input !== 'object')
      throw zendeskErrors.invalidParameter('organization must be an object');
    const existing = findOrganizationMatch(account, input as Record<string, unknown>);
    if (existing) takeUpdate(account.subdomain, existing.id, account.endpointLimits.organizationUpdatesPerMinute);
    const outcome = writeOrganization(account, existing, input, runtime.now());
    if (!outcome.ok) throw zendeskErrors.recordInvalid(outcome.details);
    reply.code(outcome.action === 'create' ? 201 : 200);
    return { organization: organizationView(outcome.record, contextOf(request).baseUrl) };
  });

  app.post('/api/v2/organizations/create_many', async (request) => {
    const account = accountOf(request);
    const items = bulkItems(bodyObject(request), 'organizations');
    const job = runtime.jobs.enqueue(
      account,
      'Create Many Organizations',
      items.length,
      contextOf(request).baseUrl,
      () => items.map((item, index) => itemResult(index, writeOrganization(account, null, item, runtime.now()))),
    );
    return { job_status: jobStatusView(job) };
  });

  app.put('/api/v2/organizations/update_many', async (request) => {
    const account = accountOf(request);
    const body = bodyObject(request);
    const ids = idList(request.query, 'ids');
    const externalIds = idList(request.query, 'external_ids');
    // Bulk form: the same change (`organization`) to every listed organization.
    const targets: Record<string, unknown>[] =
      ids || externalIds
        ? (ids ?? externalIds!).map((ref) => ({
            ...(body.organization as Record<string, unknown>),
            ...(ids ? { id: Number(ref) } : { external_id: ref }),
          }))
        : (bulkItems(body, 'organizations') as Record<string, unknown>[]);
    const job = runtime.jobs.enqueue(
      account,
      'Update Many Organizations',
      targets.length,
      contextOf(request).baseUrl,
      () =>
        targets.map((item, index) => {
          if (item === null || typeof item !== 'object')
            return failedResult(index, 'update', 'InvalidValue', 'Not an object');
          const existing = findOrganizationMatch(account, item);
          if (!existing) return failedResult(index, 'update', 'RecordNotFound', 'Not found');
          const { id: _id, ...changes } = item;
          return itemResult(index, writeOrganization(account, existing, changes, runtime.now()));
        }),
    );
    return { job_status: jobStatusView(job) };
  });
}
