/**
 * The distributor's records as pure functions of (seed, entity, index, version): nothing is stored
 * per record, which is what lets a 1,000,000-record dataset live in bounded memory. Field values are
 * neutral here; the M3 and CSI views map them to each product's field names.
 */
import { hashInts, unitFromInts } from '../shared/seeded-random.ts';
import { formatYmd8 } from './m3-timestamp.ts';

export const DATASET_ENTITIES = ['supplier', 'customer', 'invoice', 'purchase-order', 'gl-account'] as const;
export type DatasetEntity = (typeof DATASET_ENTITIES)[number];

const ENTITY_SALT: Record<DatasetEntity, number> = {
  supplier: 11,
  customer: 13,
  invoice: 17,
  'purchase-order': 19,
  'gl-account': 23,
};

export interface Division {
  divi: string;
  region: string;
  countries: readonly string[];
}

/** Three regions, one M3 division each, in company 100. */
export const DIVISIONS: readonly Division[] = [
  { divi: 'AM1', region: 'Americas', countries: ['US', 'US', 'US', 'CA', 'MX'] },
  { divi: 'EU1', region: 'Europe', countries: ['DE', 'NL', 'FR', 'SE', 'DE'] },
  { divi: 'AP1', region: 'Asia Pacific', countries: ['SG', 'AU', 'JP', 'SG', 'AU'] },
];
export const COMPANY = '100';

const CURRENCY: Record<string, string> = {
  US: 'USD',
  CA: 'CAD',
  MX: 'MXN',
  DE: 'EUR',
  NL: 'EUR',
  FR: 'EUR',
  SE: 'SEK',
  SG: 'SGD',
  AU: 'AUD',
  JP: 'JPY',
};
const LEGAL_SUFFIX: Record<string, string> = {
  US: 'Inc',
  CA: 'Ltd',
  MX: 'S.A. de C.V.',
  DE: 'GmbH',
  NL: 'B.V.',
  FR: 'SAS',
  SE: 'AB',
  SG: 'Pte Ltd',
  AU: 'Pty Ltd',
  JP: 'K.K.',
};
const PHONE_PREFIX: Record<string, string> = {
  US: '+1 312',
  CA: '+1 416',
  MX: '+52 55',
  DE: '+49 40',
  NL: '+31 20',
  FR: '+33 1',
  SE: '+46 8',
  SG: '+65 6',
  AU: '+61 2',
  JP: '+81 3',
};
const TOWNS: Record<string, readonly string[]> = {
  US: ['Chicago', 'Dallas', 'Atlanta', 'Columbus'],
  CA: ['Toronto', 'Mississauga'],
  MX: ['Monterrey', 'Guadalajara'],
  DE: ['Hamburg', 'Bremen', 'Duisburg'],
  NL: ['Rotterdam', 'Venlo'],
  FR: ['Lyon', 'Lille'],
  SE: ['Gothenburg', 'Malmo'],
  SG: ['Singapore'],
  AU: ['Sydney', 'Melbourne'],
  JP: ['Osaka', 'Yokohama'],
};
const NAME_PREFIX = [
  'Nordic',
  'Atlas',
  'Pacific',
  'Summit',
  'Delta',
  'Evergreen',
  'Keystone',
  'Harbor',
  'Granite',
  'Meridian',
  'Pioneer',
  'Sterling',
  'Vertex',
  'Cobalt',
  'Orchid',
  'Redwood',
];
const NAME_CORE = [
  'Industrial',
  'Packaging',
  'Logistics',
  'Components',
  'Fasteners',
  'Electrical',
  'Hydraulics',
  'Supply',
  'Metals',
  'Plastics',
  'Tools',
  'Chemicals',
  'Bearings',
];
const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Carla',
  'David',
  'Emma',
  'Felix',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kara',
  'Liam',
];
const LAST_NAMES = ['Berg', 'Chen', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jansen', 'Kowalski'];
/** M3 payment terms codes with their net days. */
const PAYMENT_TERMS: readonly { code: string; days: number }[] = [
  { code: '30N', days: 30 },
  { code: '45N', days: 45 },
  { code: '60N', days: 60 },
  { code: '10D', days: 10 },
];
const ITEMS = [
  ['BRG-6204', 'Ball bearing 6204 2RS'],
  ['FST-M8X40', 'Hex bolt M8x40 zinc'],
  ['PKG-BOX40', 'Shipping box 40x30x20'],
  ['ELC-CBL25', 'Power cable 2.5mm2 100m'],
  ['HYD-HOSE12', 'Hydraulic hose 1/2in'],
  ['PLS-PAL120', 'Plastic pallet 1200x800'],
  ['TLS-DRL18', 'Cordless drill 18V'],
  ['CHM-LUB5L', 'Machine lubricant 5L'],
] as const;
const GL_ACCOUNTS = [
  ['Cash and bank', '1'],
  ['Accounts receivable', '1'],
  ['Inventory', '1'],
  ['Prepaid expenses', '1'],
  ['Accounts payable', '2'],
  ['Accrued liabilities', '2'],
  ['VAT payable', '2'],
  ['Share capital', '3'],
  ['Sales revenue', '4'],
  ['Freight income', '4'],
  ['Cost of goods sold', '5'],
  ['Freight and duty', '5'],
  ['Salaries', '6'],
  ['Rent', '6'],
  ['Utilities', '6'],
  ['Office supplies', '6'],
  ['IT services', '6'],
  ['Bank charges', '7'],
  ['Exchange differences', '7'],
  ['Interest expense', '7'],
] as const;

const DAY_MS = 86_400_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const pick = <T>(list: readonly T[], h: number): T => list[h % list.length]!;

export interface RecordStamp {
  version: number;
  /** When the record last changed (epoch ms). */
  changedMs: number;
  /** When it was created (epoch ms). */
  createdMs: number;
}

export interface SupplierRecord {
  key: string;
  name: string;
  status: string;
  division: string;
  country: string;
  currency: string;
  paymentTerms: string;
  paymentMethod: string;
  phone: string;
  email: string;
  taxId: string;
  town: string;
  address: string;
  postalCode: string;
  contacts: { name: string; email: string; phone: string }[];
  registered: string;
  changed: string;
  changedMs: number;
  changedBy: string;
}

export interface CustomerRecord {
  key: string;
  name: string;
  status: string;
  customerType: string;
  division: string;
  country: string;
  currency: string;
  paymentTerms: string;
  phone: string;
  email: string;
  town: string;
  registered: string;
  changed: string;
  changedMs: number;
  changedBy: string;
}

export interface PurchaseOrderLineRecord {
  lineNumber: string;
  itemNumber: string;
  description: string;
  quantity: string;
  receivedQuantity: string;
  unitPrice: string;
  amount: string;
  unit: string;
  deliveryDate: string;
  lowestStatus: string;
}

export interface PurchaseOrderRecord {
  key: string;
  supplierKey: string;
  division: string;
  orderDate: string;
  deliveryDate: string;
  lowestStatus: string;
  highestStatus: string;
  currency: string;
  totalAmount: string;
  buyer: string;
  lines: PurchaseOrderLineRecord[];
  registered: string;
  changed: string;
  changedMs: number;
  changedBy: string;
}

export interface InvoiceRecord {
  key: string;
  supplierKey: string;
  payeeKey: string;
  division: string;
  year: string;
  invoiceDate: string;
  dueDate: string;
  currency: string;
  amount: string;
  paid: boolean;
  paymentDate: string;
  poNumber: string;
  voucherNumber: string;
  voucherSeries: string;
  registered: string;
  changed: string;
  changedMs: number;
  changedBy: string;
}

export interface GlAccountRecord {
  key: string;
  description: string;
  shortDescription: string;
  accountType: string;
  division: string;
  status: string;
  registered: string;
  changed: string;
  changedMs: number;
  changedBy: string;
}

export interface EntityRecords {
  supplier: SupplierRecord;
  customer: CustomerRecord;
  invoice: InvoiceRecord;
  'purchase-order': PurchaseOrderRecord;
  'gl-account': GlAccountRecord;
}

export function keyOf(entity: DatasetEntity, index: number): string {
  switch (entity) {
    case 'supplier':
      return `S${pad(index + 1, 7)}`;
    case 'customer':
      return `C${pad(index + 1, 7)}`;
    case 'purchase-order':
      return String(1_000_000 + index);
    case 'invoice':
      return `SI${pad(index + 1, 8)}`;
    case 'gl-account':
      return String(1000 + index * 10);
  }
}

/** Counts per entity for a dataset of `records` records in total (lines are part of their PO). */
export function entityCounts(records: number): Record<DatasetEntity, number> {
  const total = Math.max(10, Math.floor(records));
  const accounts = Math.min(800, Math.max(5, Math.round(total * 0.02)));
  const rest = total - accounts;
  const suppliers = Math.max(1, Math.round(rest * 0.1));
  const customers = Math.max(1, Math.round(rest * 0.15));
  const pos = Math.max(1, Math.round(rest * 0.25));
  const invoices = Math.max(1, rest - suppliers - customers - pos);
  return {
    supplier: suppliers,
    customer: customers,
    'purchase-order': pos,
    invoice: invoices,
    'gl-account': accounts,
  };
}

/** Generates one record; `counts` gives the referenced entities' sizes so references stay valid. */
export class DistributorRecordFactory {
  readonly #seed: number;
  readonly #counts: () => Record<DatasetEntity, number>;

  constructor(seed: number, counts: () => Record<DatasetEntity, number>) {
    this.#seed = seed;
    this.#counts = counts;
  }

  #h(entity: DatasetEntity, index: number, salt: number): number {
    return hashInts(this.#seed, ENTITY_SALT[entity], index, salt);
  }

  #u(entity: DatasetEntity, index: number, salt: number): number {
    return unitFromInts(this.#seed, ENTITY_SALT[entity], index, salt);
  }

  divisionOf(entity: DatasetEntity, index: number): Division {
    return pick(DIVISIONS, this.#h(entity, index, 1));
  }

  supplier(index: number, stamp: RecordStamp): SupplierRecord {
    const e = 'supplier';
    const division = this.divisionOf(e, index);
    const country = pick(division.countries, this.#h(e, index, 2));
    const name = `${pick(NAME_PREFIX, this.#h(e, index, 3))} ${pick(NAME_CORE, this.#h(e, index, 4))} ${LEGAL_SUFFIX[country]}`;
    const domain = `${name.split(' ').slice(0, 2).join('').toLowerCase()}${index % 97}.example.com`;
    const contacts = [];
    const contactCount = 1 + (this.#h(e, index, 5) % 3);
    for (let c = 0; c < contactCount; c += 1) {
      const first = pick(FIRST_NAMES, this.#h(e, index, 10 + c));
      const last = pick(LAST_NAMES, this.#h(e, index, 20 + c));
      contacts.push({
        name: `${first} ${last}`,
        email: `${first}.${last}@${domain}`.toLowerCase(),
        phone: `${PHONE_PREFIX[country]} ${pad((this.#h(e, index, 30 + c) + stamp.version) % 10_000_000, 7)}`,
      });
    }
    // A change moves some mutable attributes so a delta carries visible differences.
    const blocked = this.#u(e, index, 6) < 0.05 || (stamp.version > 0 && stamp.version % 7 === 0);
    return {
      key: keyOf(e, index),
      name,
      status: blocked ? '90' : '20',
      division: division.divi,
      country,
      currency: CURRENCY[country]!,
      paymentTerms: pick(PAYMENT_TERMS, this.#h(e, index, 7) + stamp.version).code,
      paymentMethod: pick(['TRF', 'CHK', 'SEPA'], this.#h(e, index, 8)),
      phone: contacts[0]!.phone,
      email: `ap@${domain}`,
      taxId: `${country}${pad(this.#h(e, index, 9) % 1_000_000_000, 9)}`,
      town: pick(TOWNS[country]!, this.#h(e, index, 40)),
      address: `${1 + (this.#h(e, index, 41) % 400)} ${pick(['Harbor Rd', 'Industrial Way', 'Main St', 'Dock St'], this.#h(e, index, 42))}`,
      postalCode: pad(this.#h(e, index, 43) % 100_000, 5),
      contacts,
      registered: formatYmd8(stamp.createdMs),
      changed: formatYmd8(stamp.changedMs),
      changedMs: stamp.changedMs,
      changedBy: stamp.version > 0 ? 'APBATCH' : 'MIGRATION',
    };
  }

  customer(index: number, stamp: RecordStamp): CustomerRecord {
    const e = 'customer';
    const division = this.divisionOf(e, index);
    const country = pick(division.countries, this.#h(e, index, 2));
    const name = `${pick(NAME_PREFIX, this.#h(e, index, 3) + 5)} ${pick(['Retail', 'Builders', 'Garage', 'Farms', 'Hospital', 'Workshop'], this.#h(e, index, 4))} ${LEGAL_SUFFIX[country]}`;
    return {
      key: keyOf(e, index),
      name,
      status: stamp.version > 0 && stamp.version % 5 === 0 ? '90' : '20',
      customerType: pick(['0', '1'], this.#h(e, index, 5)),
      division: division.divi,
      country,
      currency: CURRENCY[country]!,
      paymentTerms: pick(PAYMENT_TERMS, this.#h(e, index, 7) + stamp.version).code,
      phone: `${PHONE_PREFIX[country]} ${pad((this.#h(e, index, 8) + stamp.version) % 10_000_000, 7)}`,
      email: `orders${index % 1000}@${name.split(' ')[0]!.toLowerCase()}-customer.example.com`,
      town: pick(TOWNS[country]!, this.#h(e, index, 9)),
      registered: formatYmd8(stamp.createdMs),
      changed: formatYmd8(stamp.changedMs),
      changedMs: stamp.changedMs,
      changedBy: stamp.version > 0 ? 'SALESOPS' : 'MIGRATION',
    };
  }

  supplierOfPurchaseOrder(index: number): number {
    return this.#h('purchase-order', index, 2) % this.#counts().supplier;
  }

  purchaseOrder(index: number, stamp: RecordStamp): PurchaseOrderRecord {
    const e = 'purchase-order';
    const supplierIndex = this.supplierOfPurchaseOrder(index);
    const division = this.divisionOf('supplier', supplierIndex);
    const country = pick(division.countries, this.#h('supplier', supplierIndex, 2));
    const orderMs = stamp.createdMs - (this.#h(e, index, 3) % 20) * DAY_MS;
    const deliveryMs = orderMs + (7 + (this.#h(e, index, 4) % 40)) * DAY_MS;
    const lineCount = 1 + (this.#h(e, index, 5) % 5);
    // Receipts progress with each change: version 0 is as generated, later versions receive more.
    const progress = Math.min(1, this.#u(e, index, 6) + stamp.version * 0.35);
    const lines: PurchaseOrderLineRecord[] = [];
    let total = 0;
    for (let l = 0; l < lineCount; l += 1) {
      const [itemNumber, description] = pick(ITEMS, this.#h(e, index, 100 + l));
      const qty = 5 + (this.#h(e, index, 200 + l) % 500);
      const priceCents = 150 + (this.#h(e, index, 300 + l) % 50_000);
      const received = Math.floor(qty * progress);
      const status = received === 0 ? '35' : received < qty ? '50' : '75';
      const amountCents = qty * priceCents;
      total += amountCents;
      lines.push({
        lineNumber: String(l + 1),
        itemNumber,
        description,
        quantity: String(qty),
        receivedQuantity: String(received),
        unitPrice: (priceCents / 100).toFixed(2),
        amount: (amountCents / 100).toFixed(2),
        unit: 'EA',
        deliveryDate: formatYmd8(deliveryMs),
        lowestStatus: status,
      });
    }
    const statuses = lines.map((l) => l.lowestStatus).sort();
    return {
      key: keyOf(e, index),
      supplierKey: keyOf('supplier', supplierIndex),
      division: division.divi,
      orderDate: formatYmd8(orderMs),
      deliveryDate: formatYmd8(deliveryMs),
      lowestStatus: statuses[0]!,
      highestStatus: statuses[statuses.length - 1]!,
      currency: CURRENCY[country]!,
      totalAmount: (total / 100).toFixed(2),
      buyer: pick(['JSMITH', 'MLARSEN', 'KTANAKA', 'ABAUER'], this.#h(e, index, 7)),
      lines,
      registered: formatYmd8(stamp.createdMs),
      changed: formatYmd8(stamp.changedMs),
      changedMs: stamp.changedMs,
      changedBy: stamp.version > 0 ? 'PURCHASE' : 'MIGRATION',
    };
  }

  invoice(index: number, stamp: RecordStamp): InvoiceRecord {
    const e = 'invoice';
    const counts = this.#counts();
    const withPo = this.#h(e, index, 1) % 4 !== 0;
    const poIndex = this.#h(e, index, 2) % counts['purchase-order'];
    const supplierIndex = withPo ? this.supplierOfPurchaseOrder(poIndex) : this.#h(e, index, 3) % counts.supplier;
    const division = this.divisionOf('supplier', supplierIndex);
    const country = pick(division.countries, this.#h('supplier', supplierIndex, 2));
    const terms = pick(PAYMENT_TERMS, this.#h('supplier', supplierIndex, 7));
    const invoiceMs = stamp.createdMs - (this.#h(e, index, 4) % 10) * DAY_MS;
    const dueMs = invoiceMs + terms.days * DAY_MS;
    // Each change after creation is a payment run that settles the invoice.
    const paid = stamp.version > 0 || this.#u(e, index, 5) < 0.6;
    const paymentMs = stamp.version > 0 ? stamp.changedMs : dueMs - (this.#h(e, index, 6) % 5) * DAY_MS;
    return {
      key: keyOf(e, index),
      supplierKey: keyOf('supplier', supplierIndex),
      payeeKey: keyOf('supplier', supplierIndex),
      division: division.divi,
      year: formatYmd8(invoiceMs).slice(0, 4),
      invoiceDate: formatYmd8(invoiceMs),
      dueDate: formatYmd8(dueMs),
      currency: CURRENCY[country]!,
      amount: ((100_00 + (this.#h(e, index, 7) % 2_500_000)) / 100).toFixed(2),
      paid,
      paymentDate: paid ? formatYmd8(paymentMs) : '0',
      poNumber: withPo ? keyOf('purchase-order', poIndex) : '',
      voucherNumber: String(10_000_000 + index),
      voucherSeries: 'AP',
      registered: formatYmd8(stamp.createdMs),
      changed: formatYmd8(stamp.changedMs),
      changedMs: stamp.changedMs,
      changedBy: stamp.version > 0 ? 'APBATCH' : 'MIGRATION',
    };
  }

  glAccount(index: number, stamp: RecordStamp): GlAccountRecord {
    const e = 'gl-account';
    const [base, type] = GL_ACCOUNTS[index % GL_ACCOUNTS.length]!;
    const round = Math.floor(index / GL_ACCOUNTS.length);
    const division = DIVISIONS[round % DIVISIONS.length]!;
    const description = round === 0 ? base : `${base} ${division.region} ${round}`;
    return {
      key: keyOf(e, index),
      description: stamp.version > 0 ? `${description} (rev ${stamp.version})` : description,
      shortDescription: description.slice(0, 15),
      accountType: type,
      division: round === 0 ? '' : division.divi,
      status: this.#u(e, index, 2) < 0.03 ? '90' : '20',
      registered: formatYmd8(stamp.createdMs),
      changed: formatYmd8(stamp.changedMs),
      changedMs: stamp.changedMs,
      changedBy: stamp.version > 0 ? 'CONTROLLER' : 'MIGRATION',
    };
  }

  record<E extends DatasetEntity>(entity: E, index: number, stamp: RecordStamp): EntityRecords[E] {
    switch (entity) {
      case 'supplier':
        return this.supplier(index, stamp) as EntityRecords[E];
      case 'customer':
        return this.customer(index, stamp) as EntityRecords[E];
      case 'purchase-order':
        return this.purchaseOrder(index, stamp) as EntityRecords[E];
      case 'invoice':
        return this.invoice(index, stamp) as EntityRecords[E];
      default:
        return this.glAccount(index, stamp) as EntityRecords[E];
    }
  }
}
