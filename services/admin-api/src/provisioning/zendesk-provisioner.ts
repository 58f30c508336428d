import type { ZendeskFieldId } from '@mlc/common/zendesk-field-ids';
import { type PlannedZendeskField, storedFieldKey } from '@mlc/common/zendesk-field-plan';
import { compareWithZendesk, type ExistingZendeskDefinitions } from './provisioning-comparison.ts';
import { ZendeskDuplicateError, type ZendeskProvisioningClient } from './zendesk-provisioning-client.ts';

export interface ProvisionedItem {
  kind: PlannedZendeskField['kind'];
  key: string;
  title: string;
  type: string | null;
  customObjectKey: string | null;
  /** Null for an item a dry run would create. */
  zendeskId: string | null;
}

export interface ProvisioningConflict extends ProvisionedItem {
  existingType: string;
  reason: string;
}

export interface ProvisioningResult {
  dryRun: boolean;
  /** Created by this call, or, in a dry run, what it would create. */
  created: ProvisionedItem[];
  existing: ProvisionedItem[];
  /** Same key (or ticket field title) with an incompatible type: reported, never changed. */
  conflicts: ProvisioningConflict[];
}

export interface ProvisionOptions {
  dryRun: boolean;
  knownTicketFieldIds: ReadonlyMap<string, string>;
  /** Called with the ids of what exists or was created, as soon as they are known (so a failure keeps them). */
  remember: (ids: ZendeskFieldId[]) => Promise<void>;
}

function view(item: PlannedZendeskField, zendeskId: string | null): ProvisionedItem {
  return {
    kind: item.kind,
    key: item.key,
    title: item.title,
    type: item.type ?? null,
    customObjectKey: item.customObjectKey ?? null,
    zendeskId,
  };
}

async function listExisting(
  client: ZendeskProvisioningClient,
  plan: readonly PlannedZendeskField[],
  knownTicketFieldIds: ReadonlyMap<string, string>,
): Promise<ExistingZendeskDefinitions> {
  const [ticketFields, userFields, organizationFields, objects] = await Promise.all([
    client.listFields('ticket_fields'),
    client.listFields('user_fields'),
    client.listFields('organization_fields'),
    client.listCustomObjects(),
  ]);
  const customObjects: ExistingZendeskDefinitions['customObjects'] = new Map();
  const wanted = new Set(
    plan.flatMap((item) =>
      item.kind === 'custom_object' ? [item.key] : item.customObjectKey ? [item.customObjectKey] : [],
    ),
  );
  for (const object of objects) {
    if (!wanted.has(object.key)) continue;
    const id = (object as { id?: unknown }).id;
    customObjects.set(object.key, {
      id: id === undefined || id === null ? object.key : String(id),
      fields: await client.listCustomObjectFields(object.key),
    });
  }
  return { ticketFields, userFields, organizationFields, customObjects, knownTicketFieldIds };
}

/**
 * Brings a Zendesk account up to a plan: creates what is missing, in plan order, and leaves everything else
 * alone (an incompatible existing field is reported, not changed). A second run creates nothing.
 */
export async function provisionZendesk(
  client: ZendeskProvisioningClient,
  plan: readonly PlannedZendeskField[],
  options: ProvisionOptions,
): Promise<ProvisioningResult> {
  const existing = await listExisting(client, plan, options.knownTicketFieldIds);
  const decisions = compareWithZendesk(plan, existing);
  const result: ProvisioningResult = { dryRun: options.dryRun, created: [], existing: [], conflicts: [] };
  const known: ZendeskFieldId[] = [];
  for (const decision of decisions) {
    const { item } = decision;
    if (decision.action === 'existing') {
      result.existing.push(view(item, decision.zendeskId));
      known.push({ kind: item.kind, key: storedFieldKey(item), zendeskId: decision.zendeskId });
    } else if (decision.action === 'conflict') {
      result.conflicts.push({
        ...view(item, decision.zendeskId),
        existingType: decision.existingType,
        reason: decision.reason,
      });
    }
  }
  if (!options.dryRun) await options.remember(known);
  for (const decision of decisions) {
    if (decision.action !== 'create') continue;
    const { item } = decision;
    if (options.dryRun) {
      result.created.push(view(item, null));
      continue;
    }
    try {
      const zendeskId = await client.create(item);
      result.created.push(view(item, zendeskId));
      await options.remember([{ kind: item.kind, key: storedFieldKey(item), zendeskId }]);
    } catch (error) {
      if (!(error instanceof ZendeskDuplicateError)) throw error;
      // Created by someone else since we listed: judge what is there now, as on a fresh run.
      const again = compareWithZendesk([item], await listExisting(client, [item], options.knownTicketFieldIds))[0];
      if (again?.action === 'existing') {
        result.existing.push(view(item, again.zendeskId));
        await options.remember([{ kind: item.kind, key: storedFieldKey(item), zendeskId: again.zendeskId }]);
      } else if (again?.action === 'conflict') {
        result.conflicts.push({
          ...view(item, again.zendeskId),
          existingType: again.existingType,
          reason: again.reason,
        });
      } else {
        throw error;
      }
    }
  }
  return result;
}
