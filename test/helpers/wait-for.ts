import { connect } from 'node:net';

export interface WaitForOptions {
  /** Give up after this long (default 5 s): a condition that never holds fails the test, it does not hang it. */
  readonly timeoutMs?: number;
  /** Pause between probes (default 20 ms). */
  readonly intervalMs?: number;
  /** What was awaited, for the error when it never happened. */
  readonly message?: string;
}

/**
 * Polls `probe` until it returns a truthy value and resolves with that value: tests wait for
 * the condition they need instead of sleeping a fixed time.
 * @example const id = await waitFor(async () => (await list()).find((k) => k.name === 'a')?.id, { message: 'key a listed' });
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 5_000, intervalMs = 20, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${message}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True once nothing accepts TCP connections at `url`'s host and port (a server that closed its listener). */
export function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
