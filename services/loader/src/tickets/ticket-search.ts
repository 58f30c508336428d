import type { ZendeskClient } from '../zendesk/zendesk-client.ts';
import { ZendeskRequestError } from '../zendesk/zendesk-error.ts';
import type { TicketCustomField } from './ticket-field-values.ts';
import type { TicketUpdateLimits } from './ticket-update-limits.ts';

/** A ticket as search and show return it: what enrichment reads. */
export interface ZendeskTicket {
  id: number;
  updated_at: string;
  custom_fields: TicketCustomField[];
}

interface SearchPage {
  results?: (ZendeskTicket & { result_type?: string })[];
  next_page?: string | null;
}

/** Zendesk's search returns at most 1000 results (10 pages of 100). */
const MAX_PAGES = 10;

/** A search term value: quoted, so that numbers with spaces or dashes stay one term. */
export function searchValue(value: string): string {
  return `"${value.replace(/"/g, '')}"`;
}

/**
 * `GET /api/v2/search.json?query=…` over every page, each page taking a search slot. The index lags writes:
 * callers treat a result as a hint (safe_update catches a stale one) and sweep recent tickets for the rest.
 */
export async function searchTickets(
  client: ZendeskClient,
  limits: TicketUpdateLimits,
  query: string,
): Promise<ZendeskTicket[]> {
  const tickets: ZendeskTicket[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    await limits.acquireSearch();
    const answer = await client.send<SearchPage>({
      method: 'GET',
      path: '/api/v2/search.json',
      query: { query, per_page: '100', page: String(page) },
      endpoint: 'search',
      idempotent: true,
    });
    for (const result of answer.results ?? []) {
      if (result.result_type === undefined || result.result_type === 'ticket') tickets.push(result);
    }
    if (!answer.next_page) break;
  }
  return tickets;
}

export async function showTicket(client: ZendeskClient, ticketId: number): Promise<ZendeskTicket | null> {
  try {
    const answer = await client.send<{ ticket: ZendeskTicket }>({
      method: 'GET',
      path: `/api/v2/tickets/${ticketId}.json`,
      endpoint: 'tickets/show',
      idempotent: true,
    });
    return answer.ticket;
  } catch (error) {
    if (error instanceof ZendeskRequestError && error.zendesk.status === 404) return null;
    throw error;
  }
}
