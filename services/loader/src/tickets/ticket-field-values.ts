import type { ZendeskFieldId } from '@mlc/common/zendesk-field-ids';
import {
  TICKET_ENRICHMENT,
  type TicketEnrichmentDeclaration,
  type TicketFieldDeclaration,
} from '@mlc/common/zendesk-field-plan';

export interface TicketCustomField {
  id: number;
  value: unknown;
}

/** One enrichment declaration with the ticket field ids a tenant's provisioning got from Zendesk. */
export interface ResolvedTicketEnrichment {
  declaration: TicketEnrichmentDeclaration;
  referenceFieldId: number;
  fields: { id: number; declaration: TicketFieldDeclaration }[];
}

/** The declarations whose reference field is provisioned; fields not provisioned are left out. */
export function resolveTicketEnrichment(ids: readonly ZendeskFieldId[]): ResolvedTicketEnrichment[] {
  const byKey = new Map(ids.filter((id) => id.kind === 'ticket_field').map((id) => [id.key, Number(id.zendeskId)]));
  const resolved: ResolvedTicketEnrichment[] = [];
  for (const declaration of TICKET_ENRICHMENT) {
    const referenceFieldId = byKey.get(declaration.reference.key);
    if (referenceFieldId === undefined || !Number.isFinite(referenceFieldId)) continue;
    const fields = declaration.fields.flatMap((field) => {
      const id = byKey.get(field.key);
      return id === undefined || !Number.isFinite(id) ? [] : [{ id, declaration: field }];
    });
    resolved.push({ declaration, referenceFieldId, fields });
  }
  return resolved;
}

/** A payload value as the ticket field takes it: ISO day for dates, decimal text for amounts, null for blanks. */
export function ticketValue(field: TicketFieldDeclaration, raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const text = String(raw).trim();
  if (text === '') return null;
  if (field.type === 'date') {
    const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    const day = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : text.slice(0, 10);
    return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
  }
  if (field.type === 'decimal') return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
  return text;
}

/** Whether a ticket already shows a value (Zendesk may answer decimals as numbers, dates with a time). */
export function showsValue(field: TicketFieldDeclaration, current: unknown, wanted: string | null): boolean {
  if (current === null || current === undefined || current === '') return wanted === null;
  if (wanted === null) return false;
  if (field.type === 'decimal') return Number(current) === Number(wanted);
  if (field.type === 'date') return String(current).slice(0, 10) === wanted;
  return String(current) === wanted;
}

/** The custom_fields a ticket needs to show a record's state; empty when it already shows them. */
export function missingValues(
  enrichment: ResolvedTicketEnrichment,
  payload: Record<string, unknown>,
  current: readonly TicketCustomField[],
): TicketCustomField[] {
  const changes: TicketCustomField[] = [];
  for (const { id, declaration } of enrichment.fields) {
    const wanted = ticketValue(declaration, payload[declaration.source]);
    const shown = current.find((entry) => Number(entry.id) === id)?.value;
    if (!showsValue(declaration, shown, wanted)) changes.push({ id, value: wanted });
  }
  return changes;
}

export function referenceOf(
  enrichment: ResolvedTicketEnrichment,
  current: readonly TicketCustomField[],
): string | null {
  const value = current.find((entry) => Number(entry.id) === enrichment.referenceFieldId)?.value;
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}
