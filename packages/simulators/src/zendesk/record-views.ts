import type {
  CustomObjectDefinition,
  CustomObjectRecordData,
  FieldDefinition,
  OrganizationRecord,
  TicketRecord,
  UserRecord,
} from './account-state.ts';

// JSON representations as the real API returns them (with `url` built from the client's base URL).
export function userView(user: UserRecord, baseUrl: string): Record<string, unknown> {
  return { ...user, url: `${baseUrl}/api/v2/users/${user.id}.json` };
}

export function organizationView(organization: OrganizationRecord, baseUrl: string): Record<string, unknown> {
  return { ...organization, url: `${baseUrl}/api/v2/organizations/${organization.id}.json` };
}

export function ticketView(ticket: TicketRecord, baseUrl: string): Record<string, unknown> {
  return {
    ...ticket,
    fields: ticket.custom_fields,
    raw_subject: ticket.subject,
    url: `${baseUrl}/api/v2/tickets/${ticket.id}.json`,
  };
}

export function fieldView(field: FieldDefinition, baseUrl: string, collection: string): Record<string, unknown> {
  const { key, ...rest } = field;
  return {
    ...rest,
    ...(key === null ? {} : { key }),
    raw_title: field.title,
    raw_description: field.description,
    url: `${baseUrl}/api/v2/${collection}/${field.id}.json`,
  };
}

export function customObjectView(object: CustomObjectDefinition, baseUrl: string): Record<string, unknown> {
  return {
    key: object.key,
    title: object.title,
    title_pluralized: object.title_pluralized,
    raw_title: object.title,
    raw_title_pluralized: object.title_pluralized,
    description: object.description,
    raw_description: object.description,
    include_in_list_view: object.include_in_list_view,
    allows_photos: object.allows_photos,
    created_at: object.created_at,
    updated_at: object.updated_at,
    url: `${baseUrl}/api/v2/custom_objects/${object.key}.json`,
  };
}

export function recordView(object: CustomObjectDefinition, record: CustomObjectRecordData, baseUrl: string) {
  return {
    ...record,
    custom_object_key: object.key,
    photo: null,
    url: `${baseUrl}/api/v2/custom_objects/${object.key}/records/${record.id}.json`,
  };
}
