/**
 * Give the event loop a turn between runs of a search. Never called inside a run: a run is
 * synchronous from start to end, so this cannot change what a run does.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
