import type { FastifyInstance } from 'fastify';
import type { AccountState, TicketCustomFieldValue, TicketRecord } from './account-state.ts';
import { checkFieldValue } from './field-validation.ts';
import { failedResult } from './job-results.ts';
import { jobStatusView } from './job-runner.ts';
import { ticketView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { bodyObject, bulkItems, idList, nextStamp, numericId, type SimulatorRuntime } from './simulator-runtime.ts';
import { addDetail, detailsText } from './user-writes.ts';
import { type FieldErrorDetail, ZendeskHttpError, zendeskErrors } from './zendesk-errors.ts';

type TicketChange = { ok: true; ticket: TicketRecord } | { ok: false; details: Record<string, FieldErrorDetail[]> };

/** Applies `custom_fields: [{id, value}]` (and simple attributes) to a ticket, validating each value by type. */
function changeTicket(
  account: AccountState,
  ticket: TicketRecord,
  input: Record<string, unknown>,
  now: number,
): TicketChange {
  const details: Record<string, FieldErrorDetail[]> = {};
  const customFields = input.custom_fields;
  const values = new Map<number, unknown>();
  if (customFields !== undefined) {
    if (!Array.isArray(customFields)) {
      addDetail(details, 'base', {
        description: 'custom_fields must be an array of {id, value}',
        error: 'InvalidValue',
      });
    } else {
      for (const entry of customFields as TicketCustomFieldValue[]) {
        const field = account.ticketFields.find((candidate) => candidate.id === Number(entry?.id));
        if (!field) {
          addDetail(details, 'base', {
            description: `Field ${String(entry?.id)} does not exist`,
            error: 'InvalidValue',
          });
          continue;
        }
        const check = checkFieldValue(account, field, entry.value);
        if (check.ok) values.set(field.id, check.value);
        else addDetail(details, 'base', { description: check.message, error: 'InvalidValue', field_key: field.id });
      }
    }
  }
  if (
    input.status !== undefined &&
    !['new', 'open', 'pending', 'hold', 'solved', 'closed'].includes(String(input.status))
  ) {
    addDetail(details, 'status', { description: 'Status: is invalid', error: 'InvalidValue' });
  }
  if (Object.keys(details).length > 0) return { ok: false, details };
  const updated: TicketRecord = {
    ...ticket,
    subject: typeof input.subject === 'string' ? input.subject : ticket.subject,
    status: typeof input.status === 'string' ? input.status : ticket.status,
    tags: Array.isArray(input.tags) ? input.tags.map(String) : ticket.tags,
    custom_fields: ticket.custom_fields.map((entry) =>
      values.has(entry.id) ? { id: entry.id, value: values.get(entry.id) } : entry,
    ),
    updated_at: nextStamp(ticket.updated_at, now),
  };
  return { ok: true, ticket: updated };
}

function store(account: AccountState, ticket: TicketRecord, now: number): void {
  account.tickets.set(ticket.id, ticket);
  const versions = account.searchIndex.get(ticket.id) ?? [];
  versions.push({ visibleAt: now + account.searchIndexDelayMs, ticket: structuredClone(ticket) });
  account.searchIndex.set(ticket.id, versions);
}

/** The update-ticket limit per account; update_many counts against it like a single update. */
function takeAccountTicketUpdate(runtime: SimulatorRuntime, account: AccountState): void {
  const limits = account.endpointLimits;
  runtime.rateLimiter.takeEndpoint(
    `${account.subdomain}|ticket-update`,
    limits.ticketUpdatesPerMinute,
    limits.ticketUpdateWindowMs,
    'Number of allowed ticket updates per minute exceeded',
  );
}

/** The update limit per ticket: every ticket an update_many job changes counts as one update of it. */
function takeTicketUpdate(runtime: SimulatorRuntime, account: AccountState, ticketId: number): void {
  const limits = account.endpointLimits;
  runtime.rateLimiter.takeEndpoint(
    `${account.subdomain}|ticket-update|${ticketId}`,
    limits.ticketUpdatesPerTicketPer10Min,
    limits.ticketUpdatePerTicketWindowMs,
    'Number of allowed updates to this ticket per 10 minutes exceeded',
  );
}

function isStale(ticket: TicketRecord, input: Record<string, unknown>): boolean {
  return (
    input.safe_update === true && typeof input.updated_stamp === 'string' && input.updated_stamp !== ticket.updated_at
  );
}

export function registerTicketRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  app.post('/api/v2/tickets', async (request, reply) => {
    const account = accountOf(request);
    const input = bodyObject(request).ticket as Record<string, unknown> | undefined;
    if (!input || typeof input !== 'object') throw zendeskErrors.invalidParameter('ticket must be an object');
    const comment = input.comment as { body?: unknown } | undefined;
    const description = typeof comment?.body === 'string' ? comment.body : '';
    if (description.trim() === '') {
      throw zendeskErrors.recordInvalid({
        description: [{ description: 'Description: cannot be blank', error: 'BlankValue' }],
      });
    }
    const requesterId = input.requester_id === undefined ? account.agentUserId : Number(input.requester_id);
    if (!account.users.has(requesterId)) {
      throw zendeskErrors.recordInvalid({
        requester: [{ description: 'Requester: is invalid', error: 'InvalidValue' }],
      });
    }
    const now = runtime.now();
    const stamp = nextStamp(null, now);
    const blank: TicketRecord = {
      id: account.nextId(),
      subject: typeof input.subject === 'string' ? input.subject : description.slice(0, 80),
      description,
      status: 'new',
      priority: null,
      type: null,
      requester_id: requesterId,
      organization_id: account.users.get(requesterId)?.organization_id ?? null,
      external_id: typeof input.external_id === 'string' ? input.external_id : null,
      tags: [],
      custom_fields: account.ticketFields.map((field) => ({ id: field.id, value: null })),
      created_at: stamp,
      updated_at: stamp,
    };
    const change = changeTicket(account, blank, { ...input, subject: blank.subject }, now);
    if (!change.ok) throw zendeskErrors.recordInvalid(change.details);
    const ticket = { ...change.ticket, updated_at: stamp };
    store(account, ticket, now);
    reply.code(201);
    return { ticket: ticketView(ticket, contextOf(request).baseUrl) };
  });

  app.get<{ Params: { id: string } }>('/api/v2/tickets/:id', async (request) => {
    const ticket = accountOf(request).tickets.get(numericId(request.params.id));
    if (!ticket) throw zendeskErrors.recordNotFound();
    return { ticket: ticketView(ticket, contextOf(request).baseUrl) };
  });

  app.put<{ Params: { id: string } }>('/api/v2/tickets/:id', async (request) => {
    const account = accountOf(request);
    const ticket = account.tickets.get(numericId(request.params.id));
    if (!ticket) throw zendeskErrors.recordNotFound();
    takeAccountTicketUpdate(runtime, account);
    takeTicketUpdate(runtime, account, ticket.id);
    const input = bodyObject(request).ticket as Record<string, unknown> | undefined;
    if (!input || typeof input !== 'object') throw zendeskErrors.invalidParameter('ticket must be an object');
    if (isStale(ticket, input)) throw zendeskErrors.updateConflict();
    const change = changeTicket(account, ticket, input, runtime.now());
    if (!change.ok) throw zendeskErrors.recordInvalid(change.details);
    store(account, change.ticket, runtime.now());
    return {
      ticket: ticketView(change.ticket, contextOf(request).baseUrl),
      audit: { ticket_id: ticket.id, created_at: change.ticket.updated_at, events: [] },
    };
  });

  app.put('/api/v2/tickets/update_many', async (request) => {
    const account = accountOf(request);
    takeAccountTicketUpdate(runtime, account);
    const body = bodyObject(request);
    const ids = idList(request.query, 'ids');
    const items: Record<string, unknown>[] = ids
      ? ids.map((id) => ({ ...(body.ticket as Record<string, unknown>), id: Number(id) }))
      : (bulkItems(body, 'tickets') as Record<string, unknown>[]);
    const job = runtime.jobs.enqueue(account, 'Bulk Update Tickets', items.length, contextOf(request).baseUrl, () =>
      items.map((item, index) => {
        const id = Number(item?.id);
        const ticket = account.tickets.get(id);
        if (!ticket)
          return failedResult(
            index,
            'update',
            'TicketNotFound',
            'Ticket not found',
            Number.isFinite(id) ? id : undefined,
          );
        if (isStale(ticket, item)) {
          return failedResult(
            index,
            'update',
            'UpdateConflict',
            'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
            id,
          );
        }
        const change = changeTicket(account, ticket, item, runtime.now());
        if (!change.ok) return failedResult(index, 'update', 'RecordInvalid', detailsText(change.details), id);
        try {
          takeTicketUpdate(runtime, account, id);
        } catch (error) {
          if (!(error instanceof ZendeskHttpError)) throw error;
          return failedResult(index, 'update', 'APIRateLimitExceeded', String(error.body.description), id);
        }
        store(account, change.ticket, runtime.now());
        return { id, index, action: 'update', status: 'Updated', success: true };
      }),
    );
    return { job_status: jobStatusView(job) };
  });
}
