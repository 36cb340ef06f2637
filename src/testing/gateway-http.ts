/** HTTP calls that the multi-instance tests make against a running gateway (`origin` without a trailing slash). */

/** One non-streamed chat completion with a single user message. */
export function chatOnce(origin: string, key: string, content: string): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content }] }),
  });
}

/** The cache part of `/api/v1/performance/metrics`: what this instance's index holds and how often it reconciled. */
export async function cacheFigures(origin: string, key: string): Promise<{ entries: number; reconciles: number }> {
  const response = await fetch(`${origin}/api/v1/performance/metrics`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { cache: { entries: number; reconciles: number } }).cache;
}
