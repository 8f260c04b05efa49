// The one way tests wait: for a condition (an event seen, a process gone, a file there), polled until a generous
// deadline, never for a fixed time. The deadline only bounds a failure; a passing test waits as long as it must.
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, pollMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${Math.round(timeoutMs / 1000)} s)`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
