/**
 * Reads whose presence the caller's own invariant guarantees (a loop bound, a key it stored). Missing is a bug in
 * this program, never a user's mistake, so these throw a plain Error naming the broken invariant.
 */

/** `xs[i]` for an index the caller keeps in range. */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`Index ${i} is outside a list of ${xs.length}: a bug.`);
  return x;
}

/** `map.get(key)` for a key the caller put in the map (or a list keyed the same way). */
export function got<K, V>(map: { get(key: K): V | undefined }, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`${String(key)} is missing from a map that holds it by construction: a bug.`);
  return value;
}

/** A value the caller knows is set, with what it is for the message. */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing where it cannot be: a bug.`);
  return value;
}
