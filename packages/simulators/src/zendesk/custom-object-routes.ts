import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AccountState,
  type CustomObjectDefinition,
  createCustomObjectRecordMap,
  type JobResult,
} from './account-state.ts';
import { findRecordByExternalId, type RecordWrite, writeRecord } from './custom-object-records.ts';
import { createFieldDefinition } from './field-definitions.ts';
import { FIELD_KEY_PATTERN } from './field-validation.ts';
import { jobStatusView } from './job-runner.ts';
import { customObjectView, fieldView, recordView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { bodyObject, nextStamp, type SimulatorRuntime } from './simulator-runtime.ts';
import { BULK_LIMIT, zendeskErrors } from './zendesk-errors.ts';

const JOB_ACTIONS = ['create', 'update', 'create_or_update_by_external_id', 'delete', 'delete_by_external_id'];

function objectOf(request: FastifyRequest<{ Params: { key: string } }>): CustomObjectDefinition {
  const object = accountOf(request).customObjects.get(request.params.key);
  if (!object) throw zendeskErrors.customObjectNotFound();
  return object;
}

function rejectWrite(write: Extract<RecordWrite, { ok: false }>): never {
  const tooLarge = write.errors.some((error) => error.code === 'RecordTooLarge');
  throw zendeskErrors.errorList(tooLarge ? 413 : 422, write.errors);
}

function jobItemResult(object: CustomObjectDefinition, index: number, write: RecordWrite, baseUrl: string): JobResult {
  if (write.ok) {
    return {
      ...recordView(object, write.record, baseUrl),
      index,
      action: write.action,
      status: write.action === 'create' ? 'Created' : 'Updated',
      success: true,
    };
  }
  return {
    index,
    action: write.action,
    status: 'Failed',
    success: false,
    error: write.errors[0]?.code ?? 'InvalidRecord',
    details: write.errors.map((error) => error.detail).join('; '),
  };
}

function runJobItem(
  account: AccountState,
  object: CustomObjectDefinition,
  action: string,
  item: unknown,
  index: number,
  now: number,
  baseUrl: string,
): JobResult {
  const itemObject = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : null;
  switch (action) {
    case 'create':
      return jobItemResult(object, index, writeRecord(account, object, null, item, now), baseUrl);
    case 'update': {
      const existing = typeof itemObject?.id === 'string' ? object.records.get(itemObject.id) : undefined;
      if (!existing)
        return {
          index,
          action: 'update',
          success: false,
          status: 'Failed',
          error: 'RecordNotFound',
          details: 'Record not found',
        };
      const { id: _id, ...changes } = itemObject!;
      return jobItemResult(object, index, writeRecord(account, object, existing, changes, now), baseUrl);
    }
    case 'create_or_update_by_external_id': {
      const externalId = itemObject?.external_id;
      if (typeof externalId !== 'string' || externalId === '') {
        return {
          index,
          action: 'create',
          success: false,
          status: 'Failed',
          error: 'BlankValue',
          details: 'External id cannot be blank',
        };
      }
      const existing = findRecordByExternalId(object, externalId);
      return jobItemResult(object, index, writeRecord(account, object, existing, item, now), baseUrl);
    }
    default: {
      const existing =
        typeof item !== 'string'
          ? null
          : action === 'delete'
            ? (object.records.get(item) ?? null)
            : findRecordByExternalId(object, item);
      if (!existing)
        return {
          index,
          action: 'delete',
          success: false,
          status: 'Failed',
          error: 'RecordNotFound',
          details: 'Record not found',
        };
      object.records.delete(existing.id);
      return { id: existing.id, index, action: 'delete', status: 'Deleted', success: true };
    }
  }
}

export function registerCustomObjectRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  app.get('/api/v2/custom_objects', async (request) => {
    const baseUrl = contextOf(request).baseUrl;
    return {
      custom_objects: [...accountOf(request).customObjects.values()].map((object) => customObjectView(object, baseUrl)),
    };
  });

  app.post('/api/v2/custom_objects', async (request, reply) => {
    const account = accountOf(request);
    const input = bodyObject(request).custom_object as Record<string, unknown> | undefined;
    const errors = [];
    if (!input || typeof input !== 'object')
      throw zendeskErrors.errorList(400, [
        { code: 'InvalidPayload', title: 'Invalid payload', detail: 'custom_object is required' },
      ]);
    if (typeof input.key !== 'string' || !FIELD_KEY_PATTERN.test(input.key)) {
      errors.push({
        code: 'InvalidValue',
        title: 'Invalid value',
        detail: 'Key must consist of letters, numbers and underscores',
        source: { pointer: '/key' },
      });
    } else if (account.customObjects.has(input.key)) {
      errors.push({
        code: 'DuplicateValue',
        title: 'Duplicate value',
        detail: 'Key has already been taken',
        source: { pointer: '/key' },
      });
    }
    for (const attribute of ['title', 'title_pluralized']) {
      if (typeof input[attribute] !== 'string' || input[attribute] === '') {
        errors.push({
          code: 'BlankValue',
          title: 'Blank value',
          detail: `${attribute} cannot be blank`,
          source: { pointer: `/${attribute}` },
        });
      }
    }
    if (errors.length > 0) throw zendeskErrors.errorList(422, errors);
    const stamp = nextStamp(null, runtime.now());
    const object: CustomObjectDefinition = {
      key: input.key as string,
      title: input.title as string,
      title_pluralized: input.title_pluralized as string,
      description: typeof input.description === 'string' ? input.description : '',
      include_in_list_view: input.include_in_list_view !== false,
      allows_photos: input.allows_photos === true,
      autoincrementName: false,
      fields: [],
      records: createCustomObjectRecordMap(),
      created_at: stamp,
      updated_at: stamp,
    };
    account.customObjects.set(object.key, object);
    reply.code(201);
    return { custom_object: customObjectView(object, contextOf(request).baseUrl) };
  });

  app.get<{ Params: { key: string } }>('/api/v2/custom_objects/:key', async (request) => {
    return { custom_object: customObjectView(objectOf(request), contextOf(request).baseUrl) };
  });

  app.get<{ Params: { key: string } }>('/api/v2/custom_objects/:key/fields', async (request) => {
    const object = objectOf(request);
    const baseUrl = contextOf(request).baseUrl;
    return {
      custom_object_fields: object.fields.map((field) =>
        fieldView(field, baseUrl, `custom_objects/${object.key}/fields`),
      ),
    };
  });

  app.post<{ Params: { key: string } }>('/api/v2/custom_objects/:key/fields', async (request, reply) => {
    const account = accountOf(request);
    const object = objectOf(request);
    const creation = createFieldDefinition(
      account,
      'custom_object',
      object.fields,
      bodyObject(request).custom_object_field,
      runtime.now(),
    );
    if (!creation.ok) {
      throw zendeskErrors.errorList(
        422,
        Object.entries(creation.details).flatMap(([key, details]) =>
          details.map((detail) => ({
            code: detail.error,
            title: 'Invalid field',
            detail: detail.description,
            source: { pointer: `/${key}` },
          })),
        ),
      );
    }
    reply.code(201);
    return {
      custom_object_field: fieldView(creation.field, contextOf(request).baseUrl, `custom_objects/${object.key}/fields`),
    };
  });

  app.get<{ Params: { key: string } }>('/api/v2/custom_objects/:key/records', async (request) => {
    const object = objectOf(request);
    const query = request.query as Record<string, string | undefined>;
    const ids = query['filter[ids]']?.split(',').filter(Boolean);
    // The docs call these filters case sensitive (unlike upserts, which match external ids case-insensitively).
    const externalIds = query['filter[external_ids]']?.split(',').filter(Boolean);
    const pageSize = query['page[size]'] === undefined ? 100 : Number(query['page[size]']);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw zendeskErrors.errorList(400, [
        {
          code: 'InvalidPaginationParameter',
          title: 'Invalid pagination parameter',
          detail: 'page[size] must be 1..100',
        },
      ]);
    }
    let records = externalIds
      ? object.records
          .matching('external_id', externalIds)
          .filter((record) => record.external_id !== null && externalIds.includes(record.external_id))
      : ids
        ? object.records.inOrder(ids)
        : [...object.records.values()];
    if (ids) records = records.filter((record) => ids.includes(record.id));
    const after = query['page[after]'];
    const start = after === undefined ? 0 : Math.max(0, records.findIndex((record) => record.id === after) + 1);
    const page = records.slice(start, start + pageSize);
    const hasMore = start + pageSize < records.length;
    const baseUrl = contextOf(request).baseUrl;
    const last = page.at(-1)?.id ?? null;
    return {
      custom_object_records: page.map((record) => recordView(object, record, baseUrl)),
      meta: { has_more: hasMore, after_cursor: hasMore ? last : null, before_cursor: page[0]?.id ?? null },
      links: {
        next: hasMore
          ? `${baseUrl}/api/v2/custom_objects/${object.key}/records?page[after]=${last}&page[size]=${pageSize}`
          : null,
        prev: null,
      },
      count: page.length,
    };
  });

  app.post<{ Params: { key: string } }>('/api/v2/custom_objects/:key/records', async (request, reply) => {
    const account = accountOf(request);
    const object = objectOf(request);
    const write = writeRecord(account, object, null, bodyObject(request).custom_object_record, runtime.now());
    if (!write.ok) rejectWrite(write);
    reply.code(201);
    return { custom_object_record: recordView(object, write.record, contextOf(request).baseUrl) };
  });

  app.patch<{ Params: { key: string } }>('/api/v2/custom_objects/:key/records', async (request, reply) => {
    const account = accountOf(request);
    const object = objectOf(request);
    const query = request.query as Record<string, string | undefined>;
    const externalId = query.external_id;
    if (externalId === undefined || externalId === '' || query.name !== undefined) {
      throw zendeskErrors.errorList(400, [
        { code: 'InvalidParameter', title: 'Invalid parameter', detail: 'Provide external_id (and not name)' },
      ]);
    }
    const input = bodyObject(request).custom_object_record;
    if (
      input !== null &&
      typeof input === 'object' &&
      'external_id' in input &&
      (input as Record<string, unknown>).external_id !== externalId
    ) {
      throw zendeskErrors.errorList(400, [
        {
          code: 'InvalidParameter',
          title: 'Invalid parameter',
          detail: 'external_id in the body does not match the query',
        },
      ]);
    }
    const existing = findRecordByExternalId(object, externalId);
    const write = writeRecord(
      account,
      object,
      existing,
      { ...(input as Record<string, unknown>), external_id: existing?.external_id ?? externalId },
      runtime.now(),
    );
    if (!write.ok) rejectWrite(write);
    reply.code(200);
    return { custom_object_record: recordView(object, write.record, contextOf(request).baseUrl) };
  });

  app.get<{ Params: { key: string; id: string } }>('/api/v2/custom_objects/:key/records/:id', async (request) => {
    const object = objectOf(request);
    const record = object.records.get(request.params.id);
    if (!record) throw zendeskErrors.customObjectRecordNotFound();
    return { custom_object_record: recordView(object, record, contextOf(request).baseUrl) };
  });

  app.post<{ Params: { key: string } }>('/api/v2/custom_objects/:key/jobs', async (request, reply) => {
    const account = accountOf(request);
    const object = objectOf(request);
    const job = bodyObject(request).job as { action?: unknown; items?: unknown } | undefined;
    if (!job || typeof job !== 'object' || typeof job.action !== 'string' || !JOB_ACTIONS.includes(job.action)) {
      throw zendeskErrors.errorList(422, [
        { code: 'InvalidAction', title: 'Invalid action', detail: `action must be one of ${JOB_ACTIONS.join(', ')}` },
      ]);
    }
    if (!Array.isArray(job.items) || job.items.length === 0) {
      throw zendeskErrors.errorList(422, [
        { code: 'InvalidItems', title: 'Invalid items', detail: 'items must be a non-empty array' },
      ]);
    }
    if (job.items.length > BULK_LIMIT) {
      throw zendeskErrors.errorList(422, [
        { code: 'TooManyItems', title: 'Too many items', detail: `A job accepts at most ${BULK_LIMIT} items` },
      ]);
    }
    const action = job.action;
    const items = job.items;
    const baseUrl = contextOf(request).baseUrl;
    const queued = runtime.jobs.enqueue(account, 'Custom Object Record Bulk Job', items.length, baseUrl, () =>
      items.map((item, index) => runJobItem(account, object, action, item, index, runtime.now(), baseUrl)),
    );
    reply.code(201);
    return { job_status: jobStatusView(queued) };
  });
}
