import type { EntityName } from '@mlc/common/entities';

export type ZendeskObjectType = 'organization' | 'user' | 'custom_object_record';

/** What a delete in the ERP does in Zendesk: mark the object inactive (default) or remove it. */
export type DeletePolicy = 'mark-inactive' | 'delete';

/**
 * How one entity lands in Zendesk. `fields` maps a Zendesk field key (organization_fields, user_fields or
 * custom_object_fields) to the payload field it takes its value from; `standard` does the same for the
 * object's own attributes (email, phone, notes…).
 */
export interface EntityMapping {
  objectType: ZendeskObjectType;
  /** Custom object key, for objectType custom_object_record. */
  customObjectKey?: string;
  /** Payload field that gives the Zendesk `name`. */
  nameFrom: string;
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

/** DESIGN.md §4 default mapping; every part can be overridden per tenant (tenant-mapping.ts). */
export const DEFAULT_MAPPING: LoaderMapping = {
  entities: {
    supplier: {
      objectType: 'organization',
      nameFrom: 'name',
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
