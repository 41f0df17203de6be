// Writers of one practice take its lock in PostgreSQL (repo/practices.ts lockPracticeForWrite) one at
// a time, and each one waiting there holds a pooled connection: twenty concurrent batches for one
// practice held the whole pool (DTM_POOL_MAX, 20), and token checks, status, feed pages and other
// practices' writes in that process waited behind them. Within a process, a practice's writers now
// queue here, holding no connection; the lock in PostgreSQL still orders writers across processes.
import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import { lockPracticeForWrite } from '../repo/practices.ts';

const queues = new Map<string, Promise<void>>();

/** Runs `work` once every earlier writer of the practice in this process has finished. */
export async function oneWriterAtATime<T>(ods: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(ods) ?? Promise.resolve();
  let done!: () => void;
  const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
  queues.set(ods, mine);
  await before;
  try {
    return await work();
  } finally {
    done();
    if (queues.get(ods) === mine) queues.delete(ods);
  }
}

/** A transaction that holds the practice's write lock from its first statement (see repo/changes.ts). */
export const inPracticeWriteTransaction = <T>(pool: Pool, ods: string, work: (client: PoolClient) => Promise<T>): Promise<T> =>
  oneWriterAtATime(ods, () => inTransaction(pool, async (client) => {
    await lockPracticeForWrite(client, ods);
    return work(client);
  }));
