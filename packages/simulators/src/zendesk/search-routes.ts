import type { FastifyInstance } from 'fastify';
import type { AccountState, TicketRecord } from './account-state.ts';
import { jobStatusView } from './job-runner.ts';
import { organizationView, ticketView, userView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { idList, type SimulatorRuntime } from './simulator-runtime.ts';
import { zendeskErrors } from './zendesk-errors.ts';

// GET /api/v2/search: the subset of the query language loaders use (`type:`, `custom_field_<id>:`,
// `external_id:`, `status:`, `updated>` / `created<` … with a date, a UTC time or a relative `4hours`,
// `order_by:updated_at|created_at` with `sort:asc|desc`), served from an index that lags writes by `searchIndexDelayMs`, with the
// real API's limit of 1000 results reachable by paging.
const SEARCH_RESULT_LIMIT = 1000;

interface Condition {
  key: string;
  operator: ':' | '>' | '<' | '>=' | '<=';
  value: string;
}

function parseQuery(query: string): Condition[] {
  const conditions: Condition[] = [];
  for (const match of query.matchAll(/([A-Za-z_0-9]+)(>=|<=|:|>|<)("([^"]*)"|\S+)|\S+/g)) {
    if (match[1] === undefined) continue;
    conditions.push({
      key: match[1].toLowerCase(),
      operator: match[2] as Condition['operator'],
      value: match[4] ?? match[3] ?? '',
    });
  }
  return conditions;
}

const RELATIVE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** A search time: `2024-05-01` (a whole day), `2024-05-01T10:00:00Z`, or relative to now (`4hours`). */
function timeRange(value: string, now: number): { from: number; to: number } | null {
  const relative = /^(\d+)(minute|hour|day|week)s?$/i.exec(value);
  if (relative) {
    const at = now - Number(relative[1]) * (RELATIVE_UNITS[relative[2]!.toLowerCase()] ?? 0);
    return { from: at, to: at };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? null : { from, to: from + 86_400_000 - 1 };
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : { from: at, to: at };
}

function timeMatches(actual: string, operator: Condition['operator'], value: string, now: number): boolean {
  const range = timeRange(value, now);
  const time = Date.parse(actual);
  if (range === null || Number.isNaN(time)) return false;
  switch (operator) {
    case '>':
      return time > range.to;
    case '>=':
      return time >= range.from;
    case '<':
      return time < range.from;
    case '<=':
      return time <= range.to;
    default:
      return time >= range.from && time <= range.to;
  }
}

const ORDERING_KEYS = new Set(['order_by', 'sort']);

function valueMatches(actual: unknown, wanted: string): boolean {
  if (actual === null || actual === undefined) return wanted.toLowerCase() === 'none';
  const text = String(actual).toLowerCase();
  const pattern = wanted.toLowerCase();
  return pattern.endsWith('*') ? text.startsWith(pattern.slice(0, -1)) : text === pattern;
}

/** An exact `external_id:` value can use the collection's index; `none` and `prefix*` need a scan. */
function isExactValue(wanted: string): boolean {
  return wanted.toLowerCase() !== 'none' && !wanted.endsWith('*');
}

function indexedTickets(account: AccountState, now: number): TicketRecord[] {
  const tickets: TicketRecord[] = [];
  for (const versions of account.searchIndex.values()) {
    let visible: TicketRecord | null = null;
    for (const version of versions) if (version.visibleAt <= now) visible = version.ticket;
    if (visible) tickets.push(visible);
  }
  return tickets;
}

function ticketMatches(ticket: TicketRecord, conditions: Condition[], now: number): boolean {
  return conditions.every(({ key, operator, value }) => {
    if (key === 'type' || ORDERING_KEYS.has(key)) return true;
    if (key === 'updated' || key === 'created') {
      return timeMatches(key === 'updated' ? ticket.updated_at : ticket.created_at, operator, value, now);
    }
    if (key === 'status') return valueMatches(ticket.status, value);
    if (key === 'external_id') return valueMatches(ticket.external_id, value);
    const fieldId = /^custom_field_(\d+)$/.exec(key)?.[1];
    if (fieldId !== undefined) {
      return valueMatches(ticket.custom_fields.find((entry) => entry.id === Number(fieldId))?.value, value);
    }
    return false;
  });
}

function search(account: AccountState, query: string, now: number, baseUrl: string): Record<string, unknown>[] {
  const conditions = parseQuery(query);
  const type = conditions.find((condition) => condition.key === 'type')?.value ?? 'ticket';
  if (type === 'ticket') {
    const orderBy = conditions.find((condition) => condition.key === 'order_by')?.value;
    const descending = conditions.find((condition) => condition.key === 'sort')?.value.toLowerCase() !== 'asc';
    const matching = indexedTickets(account, now).filter((ticket) => ticketMatches(ticket, conditions, now));
    if (orderBy === 'updated_at' || orderBy === 'created_at') {
      matching.sort((a, b) => {
        const order = Date.parse(a[orderBy]) - Date.parse(b[orderBy]) || a.id - b.id;
        return descending ? -order : order;
      });
    }
    return matching.map((ticket) => ({ ...ticketView(ticket, baseUrl), result_type: 'ticket' }));
  }
  const externalId = conditions.find((condition) => condition.key === 'external_id')?.value;
  if (type === 'user') {
    const users =
      externalId !== undefined && isExactValue(externalId)
        ? account.users.matching('external_id', [externalId])
        : [...account.users.values()].filter(
            (user) => externalId === undefined || valueMatches(user.external_id, externalId),
          );
    return users.map((user) => ({ ...userView(user, baseUrl), result_type: 'user' }));
  }
  if (type === 'organization') {
    const organizations =
      externalId !== undefined && isExactValue(externalId)
        ? account.organizations.matching('external_id', [externalId])
        : [...account.organizations.values()].filter(
            (organization) => externalId === undefined || valueMatches(organization.external_id, externalId),
          );
    return organizations.map((organization) => ({
      ...organizationView(organization, baseUrl),
      result_type: 'organization',
    }));
  }
  return [];
}

export function registerSearchRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  app.get('/api/v2/search', async (request) => {
    const account = accountOf(request);
    const query = request.query as Record<string, string | undefined>;
    if (!query.query) throw zendeskErrors.invalidParameter('query is required');
    const page = query.page === undefined ? 1 : Number(query.page);
    const perPage = query.per_page === undefined ? 100 : Number(query.per_page);
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      throw zendeskErrors.invalidParameter('page must be ≥ 1 and per_page 1..100');
    }
    if (page * perPage > SEARCH_RESULT_LIMIT) throw zendeskErrors.searchResponseLimit();
    const baseUrl = contextOf(request).baseUrl;
    const results = search(account, query.query, runtime.now(), baseUrl);
    const reachable = Math.min(results.length, SEARCH_RESULT_LIMIT);
    const start = (page - 1) * perPage;
    const next = start + perPage < reachable;
    const pageUrl = (number: number) =>
      `${baseUrl}/api/v2/search.json?page=${number}&per_page=${perPage}&query=${encodeURIComponent(query.query ?? '')}`;
    return {
      results: results.slice(start, start + perPage),
      facets: null,
      next_page: next ? pageUrl(page + 1) : null,
      previous_page: page > 1 ? pageUrl(page - 1) : null,
      count: results.length,
    };
  });

  app.get('/api/v2/search/count', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    if (!query.query) throw zendeskErrors.invalidParameter('query is required');
    return { count: search(accountOf(request), query.query, runtime.now(), contextOf(request).baseUrl).length };
  });

  app.get('/api/v2/job_statuses/show_many', async (request) => {
    const account = accountOf(request);
    const ids = idList(request.query, 'ids');
    if (!ids) throw zendeskErrors.invalidParameter('ids is required');
    const jobs = ids.map((id) => runtime.jobs.find(account, id)).filter((job) => job !== null);
    return { job_statuses: jobs.map(jobStatusView) };
  });

  app.get<{ Params: { id: string } }>('/api/v2/job_statuses/:id', async (request) => {
    const job = runtime.jobs.find(accountOf(request), request.params.id);
    if (!job) throw zendeskErrors.recordNotFound();
    return { job_status: jobStatusView(job) };
  });
}
