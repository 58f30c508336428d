import { z } from 'zod';
import { ENTITY_NAMES, type EntityName } from './entities.ts';
import { MlcError } from './errors.ts';

// The mapping from entities to Zendesk objects (DESIGN.md §4): declarations shared by the loader, which
// writes by them, and the admin API, which provisions the fields and objects they name.

/** The Zendesk objects an entity mapping can target. */
export type MappedObjectType = 'organization' | 'user' | 'custom_object_record';

/** Every Zendesk object the connector writes: mapped objects, and tickets it enriches. */
export type ZendeskObjectType = MappedObjectType | 'ticket';

/** What a delete in the ERP does in Zendesk: mark the object inactive (default) or remove it. */
export type DeletePolicy = 'mark-inactive' | 'delete';

/**
 * How one entity lands in Zendesk. `fields` maps a Zendesk field key (organization_fields, user_fields or
 * custom_object_fields) to the payload field it takes its value from; `standard` does the same for the
 * object's own attributes (email, phone, notes…).
 */
export interface EntityMapping {
  objectType: MappedObjectType;
  /** Custom object key, for objectType custom_object_record. */
  customObjectKey?: string;
  /** Payload field that gives the Zendesk `name`. */
  nameFrom: string;
  /**
   * Payload field appended to the name in parentheses. Zendesk organization names are unique per account while
   * ERP names are not (two suppliers may share one), so suppliers carry their number in the name.
   */
  nameQualifierFrom?: string;
  standard: Record<string, string>;
  fields: Record<string, string>;
  /** Lookup field (custom object) that links the record to its supplier's organization. */
  organizationLookupField?: string;
  onDelete: DeletePolicy;
  /** Field set to false when an object is marked inactive. */
  activeField: string;
}

export interface ContactMapping {
  enabled: boolean;
  fields: Record<string, string>;
}

export interface LoaderMapping {
  entities: Record<EntityName, EntityMapping>;
  supplierContacts: ContactMapping;
}

/** DESIGN.md §4 default mapping; every part can be overridden per tenant (resolveTenantMapping below). */
export const DEFAULT_MAPPING: LoaderMapping = {
  entities: {
    supplier: {
      objectType: 'organization',
      nameFrom: 'name',
      nameQualifierFrom: 'supplierNumber',
      standard: {},
      fields: {
        mlc_supplier_number: 'supplierNumber',
        mlc_supplier_status: 'status',
        mlc_currency: 'currency',
        mlc_payment_terms: 'paymentTerms',
        mlc_country: 'country',
        mlc_division: 'division',
        mlc_tax_id: 'taxId',
        mlc_email: 'email',
        mlc_phone: 'phone',
      },
      onDelete: 'mark-inactive',
      activeField: 'mlc_active',
    },
    customer: {
      objectType: 'user',
      nameFrom: 'name',
      standard: { email: 'email', phone: 'phone' },
      fields: {
        mlc_customer_number: 'customerNumber',
        mlc_customer_status: 'status',
        mlc_currency: 'currency',
        mlc_payment_terms: 'paymentTerms',
        mlc_country: 'country',
        mlc_division: 'division',
      },
      onDelete: 'mark-inactive',
      activeField: 'mlc_active',
    },
    invoice: {
      objectType: 'custom_object_record',
      customObjectKey: 'mlc_invoice',
      nameFrom: 'invoiceNumber',
      standard: {},
      fields: {
        invoice_number: 'invoiceNumber',
        supplier_number: 'supplierNumber',
        invoice_year: 'invoiceYear',
        invoice_date: 'invoiceDate',
        due_date: 'dueDate',
        currency: 'currency',
        amount: 'amount',
        open_amount: 'openAmount',
        payment_status: 'paymentStatus',
        last_payment_date: 'lastPaymentDate',
        po_number: 'poNumber',
        division: 'division',
      },
      organizationLookupField: 'organization',
      onDelete: 'mark-inactive',
      activeField: 'active',
    },
    'purchase-order': {
      objectType: 'custom_object_record',
      customObjectKey: 'mlc_purchase_order',
      nameFrom: 'poNumber',
      standard: {},
      fields: {
        po_number: 'poNumber',
        supplier_number: 'supplierNumber',
        order_date: 'orderDate',
        delivery_date: 'deliveryDate',
        status: 'status',
        currency: 'currency',
        total_amount: 'totalAmount',
        lines: 'lines',
        division: 'division',
      },
      organizationLookupField: 'organization',
      onDelete: 'mark-inactive',
      activeField: 'active',
    },
    'gl-account': {
      objectType: 'custom_object_record',
      customObjectKey: 'mlc_gl_account',
      nameFrom: 'accountNumber',
      standard: {},
      fields: {
        account_number: 'accountNumber',
        description: 'description',
        account_type: 'accountType',
        division: 'division',
        status: 'status',
      },
      onDelete: 'mark-inactive',
      activeField: 'active',
    },
  },
  supplierContacts: {
    enabled: true,
    fields: { mlc_supplier_number: 'supplierNumber' },
  },
};

const fieldKey = z.string().regex(/^[A-Za-z0-9_]+$/, 'Zendesk field keys are letters, digits and _');
/** A null value removes a default field from the mapping. */
/** A null value removes a default field from the mapping. */
const fieldMapOverride = z.record(fieldKey, z.string().min(1).max(200).nullable());

const entityOverride = z
  .object({
    objectType: z.enum(['organization', 'user', 'custom_object_record']),
    customObjectKey: fieldKey,
    nameFrom: z.string().min(1).max(200),
    nameQualifierFrom: z.string().min(1).max(200).nullable(),
    standard: fieldMapOverride,
    fields: fieldMapOverride,
    organizationLookupField: fieldKey.nullable(),
    onDelete: z.enum(['mark-inactive', 'delete']),
    activeField: fieldKey,
  })
  .partial()
  .strict();

/** Per-tenant overrides of DEFAULT_MAPPING; the admin API validates them at registration. */
export const mappingOverride = z
  .object({
    entities: z.partialRecord(z.enum(ENTITY_NAMES), entityOverride),
    supplierContacts: z.object({ enabled: z.boolean(), fields: fieldMapOverride }).partial().strict(),
  })
  .partial()
  .strict();

export type MappingOverride = z.infer<typeof mappingOverride>;

function mergeFields(base: Record<string, string>, override: Record<string, string | null> | undefined) {
  const merged: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function mergeEntity(base: EntityMapping, override: z.infer<typeof entityOverride> | undefined): EntityMapping {
  if (override === undefined) return base;
  const { standard, fields, organizationLookupField, nameQualifierFrom, ...scalars } = override;
  const merged: EntityMapping = {
    ...base,
    ...scalars,
    standard: mergeFields(base.standard, standard),
    fields: mergeFields(base.fields, fields),
  };
  if (nameQualifierFrom === null) delete merged.nameQualifierFrom;
  else if (nameQualifierFrom !== undefined) merged.nameQualifierFrom = nameQualifierFrom;
  if (organizationLookupField === null) delete merged.organizationLookupField;
  else if (organizationLookupField !== undefined) merged.organizationLookupField = organizationLookupField;
  return merged;
}

/**
 * The tenant's effective mapping: DESIGN.md §4 defaults with the tenant's `mapping` (jsonb) laid over them.
 * An invalid override is a configuration error naming the offending path, never a silent default.
 */
export function resolveTenantMapping(tenantId: string, override: unknown): LoaderMapping {
  if (override === null || override === undefined) return DEFAULT_MAPPING;
  const parsed = mappingOverride.safeParse(override);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new MlcError('MLC_VALIDATION', `Tenant ${tenantId} has an invalid mapping at "${path}": ${issue?.message}`, {
      statusCode: 400,
      field: `mapping.${path}`,
    });
  }
  const entities = {} as Record<EntityName, EntityMapping>;
  for (const entity of ENTITY_NAMES) {
    const merged = mergeEntity(DEFAULT_MAPPING.entities[entity], parsed.data.entities?.[entity]);
    if (merged.objectType === 'custom_object_record' && merged.customObjectKey === undefined) {
      throw new MlcError('MLC_VALIDATION', `Tenant ${tenantId} maps ${entity} to a custom object without a key`, {
        statusCode: 400,
        field: `mapping.entities.${entity}.customObjectKey`,
      });
    }
    entities[entity] = merged;
  }
  const contacts = parsed.data.supplierContacts;
  return {
    entities,
    supplierContacts: {
      enabled: contacts?.enabled ?? DEFAULT_MAPPING.supplierContacts.enabled,
      fields: mergeFields(DEFAULT_MAPPING.supplierContacts.fields, contacts?.fields),
    },
  };
}
