// A TCP proxy on loopback that misbehaves on purpose: it resets some connections part-way through
// and stalls others, so the sync client's retries and timeouts are exercised against real sockets.
import net from 'node:net';

export interface FaultyProxy {
  url: string;
  stats: { connections: number; resets: number; stalls: number };
  /** Set the fault rates (0..1) from now on. */
  setFaults(f: { reset?: number; stall?: number; stallMs?: number }): void;
  close(): Promise<void>;
}

export async function startFaultyProxy(target: URL, seed = 1): Promise<FaultyProxy> {
  let state = seed >>> 0;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  let faults = { reset: 0, stall: 0, stallMs: 3000 };
  const stats = { connections: 0, resets: 0, stalls: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    stats.connections++;
    const up = net.connect(Number(target.port), target.hostname);
    sockets.add(down).add(up);
    const kill = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', kill).on('close', () => sockets.delete(down));
    up.on('error', kill).on('close', () => sockets.delete(up));
    const r = random();
    if (r < faults.reset) {
      // Reset after some bytes of the response have gone through.
      stats.resets++;
      let budget = Math.floor(random() * 20_000);
      up.on('data', (chunk: Buffer) => {
        budget -= chunk.length;
        if (budget <= 0) down.resetAndDestroy();
      });
    } else if (r < faults.reset + faults.stall) {
      // Stall: hold the request for a while before letting it through.
      stats.stalls++;
      down.pause();
      setTimeout(() => down.resume(), faults.stallMs).unref();
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setFaults(f) {
      faults = { ...faults, ...f };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
