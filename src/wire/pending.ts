/**
 * A model request's answer, as serve's client connections and its controller channel wait for
 * one: the answer's handler is registered under the request id in `pending`, and the promise
 * settles with the answer, or with undefined after `timeoutMs` (a wall-clock timer that does not
 * keep the process up). Either way the id leaves `pending`.
 */
export function answerTo<M>(pending: Map<number, (m: M | undefined) => void>, requestId: number, timeoutMs: number): Promise<M | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(requestId);
      resolve(undefined);
    }, timeoutMs);
    timer.unref();
    pending.set(requestId, (m) => {
      clearTimeout(timer);
      pending.delete(requestId);
      resolve(m);
    });
  });
}
