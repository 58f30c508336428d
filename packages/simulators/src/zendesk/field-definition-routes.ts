import type { FastifyInstance } from 'fastify';
import type { AccountState, FieldDefinition, FieldOwner } from './account-state.ts';
import { createFieldDefinition } from './field-definitions.ts';
import { fieldView } from './record-views.ts';
import { accountOf, contextOf } from './request-context.ts';
import { bodyObject, type SimulatorRuntime } from './simulator-runtime.ts';
import { zendeskErrors } from './zendesk-errors.ts';

interface FieldCollection {
  path: 'ticket_fields' | 'user_fields' | 'organization_fields';
  singular: string;
  owner: FieldOwner;
  list(account: AccountState): FieldDefinition[];
}

const COLLECTIONS: FieldCollection[] = [
  { path: 'ticket_fields', singular: 'ticket_field', owner: 'ticket', list: (account) => account.ticketFields },
  { path: 'user_fields', singular: 'user_field', owner: 'user', list: (account) => account.userFields },
  {
    path: 'organization_fields',
    singular: 'organization_field',
    owner: 'organization',
    list: (account) => account.organizationFields,
  },
];

export function registerFieldDefinitionRoutes(app: FastifyInstance, runtime: SimulatorRuntime): void {
  for (const collection of COLLECTIONS) {
    app.get(`/api/v2/${collection.path}`, async (request) => {
      const baseUrl = contextOf(request).baseUrl;
      const fields = collection.list(accountOf(request)).map((field) => fieldView(field, baseUrl, collection.path));
      return { [collection.path]: fields, next_page: null, previous_page: null, count: fields.length };
    });

    app.get<{ Params: { id: string } }>(`/api/v2/${collection.path}/:id`, async (request) => {
      const field = collection.list(accountOf(request)).find((candidate) => String(candidate.id) === request.params.id);
      if (!field) throw zendeskErrors.recordNotFound();
      return { [collection.singular]: fieldView(field, contextOf(request).baseUrl, collection.path) };
    });

    app.post(`/api/v2/${collection.path}`, async (request, reply) => {
      const account = accountOf(request);
      const creation = createFieldDefinition(
        account,
        collection.owner,
        collection.list(account),
        bodyObject(request)[collection.singular],
        runtime.now(),
      );
      if (!creation.ok) throw zendeskErrors.recordInvalid(creation.details);
      // New fields appear on existing records with a null value, as in the real API.
      if (collection.owner === 'ticket') {
        for (const ticket of account.tickets.values())
          ticket.custom_fields.push({ id: creation.field.id, value: null });
      }
      reply.code(201);
      return { [collection.singular]: fieldView(creation.field, contextOf(request).baseUrl, collection.path) };
    });
  }
}
