/**
 * Peer `async-pingpong`: two async functions hand control back and forth K times each
 * through a promise they resolve for each other (the cheapest await-based coroutine
 * switch). Unit: one switch. Host-time only; async code has no simulated time.
 */
export async function asyncPingPong(k: number): Promise<number> {
  let wakeA: (() => void) | null = null;
  let wakeB: (() => void) | null = null;
  let switches = 0;
  const a = async (): Promise<void> => {
    for (let i = 0; i < k; i++) {
      const w = wakeB;
      const p = new Promise<void>((r) => { wakeA = r; });
      if (w !== null) { wakeB = null; w(); }
      await p;
      switches++;
    }
    const w = wakeB as (() => void) | null;
    if (w !== null) w();
  };
  const b = async (): Promise<void> => {
    for (let i = 0; i < k; i++) {
      const w = wakeA as (() => void) | null;
      const p = new Promise<void>((r) => { wakeB = r; });
      if (w !== null) { wakeA = null; w(); }
      await p;
      switches++;
    }
    const w = wakeA as (() => void) | null;
    if (w !== null) w();
  };
  await Promise.all([a(), b()]);
  return switches;
}
