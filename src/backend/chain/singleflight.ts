/**
 * Wraps an async function so that concurrent calls with the same key share one in-flight promise.
 * Once it settles, the next call starts a new one (no caching of results).
 */
export function singleFlight<K, V>(fn: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const inFlight = new Map<K, Promise<V>>();
  return (key: K) => {
    const pending = inFlight.get(key);
    if (pending) {
      return pending;
    }
    const started = fn(key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
