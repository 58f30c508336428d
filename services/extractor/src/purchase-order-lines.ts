import type { PurchaseOrderLine, PurchaseOrderPayload } from '@mlc/common/entities';
import { sumDecimals } from './m3/m3-values.ts';

/** A PO head with its normalized lines; a head the ERP has no total for (0) is totalled from its lines. */
export function withPurchaseOrderLines(head: PurchaseOrderPayload, lines: PurchaseOrderLine[]): PurchaseOrderPayload {
  const totalAmount = head.totalAmount !== '0' ? head.totalAmount : sumDecimals(lines.map((l) => l.amount));
  return { ...head, totalAmount, lines };
}
