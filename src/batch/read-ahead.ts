/**
 * Runs `source` ahead of its consumer, keeping up to `limit` (summed by `weight`) items waiting.
 * While the consumer awaits something else (a LanceDB write runs on native threads), the source's
 * own work (reading and parsing result lines) fills the idle main thread instead of following it.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, limit: number, weight: (item: T) => number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: T[] = [];
  let queued = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let itemAdded: (() => void) | undefined;
  let spaceFreed: (() => void) | undefined;

  const pump = (async () => {
    try {
      for (;;) {
        while (queued >= limit && !stopped) await new Promise<void>((resolve) => (spaceFreed = resolve));
        if (stopped) return;
        const next = await iterator.next();
        if (next.done) return;
        queue.push(next.value);
        queued += weight(next.value);
        itemAdded?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      itemAdded?.();
    }
  })();

  try {
    for (;;) {
      if (queue.length > 0) {
        const item = queue.shift()!;
        queued -= weight(item);
        spaceFreed?.();
        yield item;
      } else if (failure) {
        throw failure.error;
      } else if (finished) {
        return;
      } else {
        await new Promise<void>((resolve) => (itemAdded = resolve));
      }
    }
  } finally {
    // The consumer stopped early or failed: let the pump see it, then close the source.
    stopped = true;
    spaceFreed?.();
    await pump;
    await iterator.return?.();
  }
}
