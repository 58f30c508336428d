type Fields = Record<string, unknown>;

function isPlainObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Field-level diff of two Zendesk bodies, one level into nested field objects (`organization_fields.x`),
 * which is where ERP values live. Null when there is no previous body (a first posting).
 */
export function fieldDiff(
  previous: Fields | null,
  next: Fields,
): Record<string, { from: unknown; to: unknown }> | null {
  if (previous === null) return null;
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  for (const key of keys) {
    const before = previous[key];
    const after = next[key];
    if (isPlainObject(before) || isPlainObject(after)) {
      const inner = fieldDiff(isPlainObject(before) ? before : {}, isPlainObject(after) ? after : {}) ?? {};
      for (const [innerKey, change] of Object.entries(inner)) diff[`${key}.${innerKey}`] = change;
    } else if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null)) {
      diff[key] = { from: before ?? null, to: after ?? null };
    }
  }
  return diff;
}
