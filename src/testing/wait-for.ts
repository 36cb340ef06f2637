/** Polls `condition` (sync or async) until it holds; throws naming `what` after `timeoutMs`. For tests only. */
export async function waitFor(condition: () => boolean | Promise<boolean>, { timeoutMs = 10_000, intervalMs = 5, what = 'condition' } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}
