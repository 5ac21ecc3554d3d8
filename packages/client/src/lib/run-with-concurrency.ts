/**
 * Run `task(0) ... task(count - 1)` with at most `limit` running at once, in index order of start.
 * No new task starts once `stop()` returns true; tasks already running finish. Resolves when all
 * started tasks settled; rejects with the first error a task threw (tasks are expected to catch their own).
 *
 * Written here instead of taken from npm (p-limit, p-map): the package keeps google-auth-library as its
 * only dependency, and this is all of it that predictMany needs.
 */
export async function runWithConcurrency(count: number, limit: number, task: (index: number) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stop()) {
      const index = next++;
      await task(index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker);
  const results = await Promise.allSettled(workers);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
