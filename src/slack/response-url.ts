/**
 * Answers through a response_url: a plain POST of the message, as Bolt's `respond` does.
 * A module of its own: the acking thread uses it (a lost request, ferry stopping) and
 * must not load what the answers load.
 */
export function responseUrlAnswer(url: string): (msg: object) => Promise<void> {
  return async (msg) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  };
}
