/** Polls `check` until it holds (or `timeoutMs` passes); returns its last answer. Waits for a condition, not a time. */
export async function eventually<T>(check: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!holds(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await check();
  }
  return value;
}
