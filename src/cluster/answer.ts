/** Answers that may not come: a node down or hanging is a value to report, not an exception to stop on. */

export type Answer<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Turns a promise into an Answer; never rejects. */
export function settle<T>(p: Promise<T>): Promise<Answer<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error : new Error(String(error)) }),
  );
}

/** Asks all at once; the first successful answer in the given order, or the last failure. */
export async function firstOk<T>(asks: Promise<T>[]): Promise<Answer<T>> {
  const all = await Promise.all(asks.map(settle));
  return all.find((a) => a.ok) ?? all.at(-1) ?? { ok: false, error: new Error('nobody to ask') };
}
