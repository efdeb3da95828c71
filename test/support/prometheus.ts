/** Reading ferry's /metrics (Prometheus text exposition) in tests. */

/** The sum of a metric's samples in a Prometheus text exposition that carry these labels; undefined when there are none. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2]!.split(',');
    if (want.every((w) => have.includes(w))) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
