// A record collection that also indexes its records by lower-cased attributes (external_id, email,
// name), kept in step by set/delete/clear themselves, so lookups by those attributes cost O(matches)
// instead of a scan of the account, and tests that mutate the Map directly cannot leave it stale.
// Lookups return records in the Map's insertion order, exactly as a filter over values() would.
export type AttributeOf<V> = (record: V) => string | null;

export class IndexedRecordMap<K, V, A extends string> extends Map<K, V> {
  readonly #attributes: Record<A, AttributeOf<V>>;
  readonly #indexes = new Map<A, Map<string, Set<K>>>();
  /** Insertion position of each key, to order matches like values() does. */
  readonly #positions = new Map<K, number>();
  #nextPosition = 0;

  constructor(attributes: Record<A, AttributeOf<V>>) {
    super();
    this.#attributes = attributes;
    for (const attribute of Object.keys(attributes) as A[]) this.#indexes.set(attribute, new Map());
  }

  override set(key: K, record: V): this {
    const previous = super.get(key);
    if (previous !== undefined) this.#unindex(key, previous);
    else if (!super.has(key)) this.#positions.set(key, this.#nextPosition++);
    super.set(key, record);
    this.#index(key, record);
    return this;
  }

  override delete(key: K): boolean {
    const previous = super.get(key);
    if (previous !== undefined) this.#unindex(key, previous);
    this.#positions.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const index of this.#indexes.values()) index.clear();
    this.#positions.clear();
    super.clear();
  }

  /** Records whose attribute equals one of the values, compared case-insensitively. */
  matching(attribute: A, values: Iterable<string>): V[] {
    const index = this.#indexes.get(attribute)!;
    const keys = new Set<K>();
    for (const value of values) for (const key of index.get(value.toLowerCase()) ?? []) keys.add(key);
    return this.inOrder(keys);
  }

  /** The first record (in insertion order) whose attribute equals the value case-insensitively. */
  first(attribute: A, value: string): V | null {
    return this.matching(attribute, [value])[0] ?? null;
  }

  /** The records of the given keys that exist, in insertion order. */
  inOrder(keys: Iterable<K>): V[] {
    const present = [...new Set(keys)].filter((key) => super.has(key));
    if (present.length > 1) present.sort((a, b) => this.#positions.get(a)! - this.#positions.get(b)!);
    return present.map((key) => super.get(key)!);
  }

  #index(key: K, record: V): void {
    for (const [attribute, index] of this.#indexes) {
      const value = this.#attributes[attribute](record);
      if (typeof value !== 'string') continue;
      const normalized = value.toLowerCase();
      const keys = index.get(normalized);
      if (keys) keys.add(key);
      else index.set(normalized, new Set([key]));
    }
  }

  #unindex(key: K, record: V): void {
    for (const [attribute, index] of this.#indexes) {
      const value = this.#attributes[attribute](record);
      if (typeof value !== 'string') continue;
      const normalized = value.toLowerCase();
      const keys = index.get(normalized);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(normalized);
    }
  }
}
