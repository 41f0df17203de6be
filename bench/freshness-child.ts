// The follower (bench/freshness-follower.ts) as a child process: spawned with the client's DTM_*
// settings, its JSON lines turned into callbacks, its clock checked against ours, and stopped the
// way an operator stops `dtm-client follow` (SIGTERM: it commits the page in hand and exits 0).
import { spawn } from 'node:child_process';
import { REPO_ROOT, launcherFlags, onLines } from './support.ts';
import { hrMs } from './freshness-activity.ts';

export interface FollowerHandlers {
  applied(t: number, changes: [string, string, number][]): void;
  binary(t: number, id: string, state: string): void;
}

export interface Follower {
  pid: number;
  retries: number;
  resyncs: number;
  /** Resolves at the first idle (the initial extract applied); rejects if the follower exits first. */
  firstIdle: Promise<number>;
  /**
   * Sends `n` pings and checks each pong instant falls between the send and the receipt, which holds
   * only if both processes read the same clock. Returns the round trips in ms.
   */
  checkClock(n: number): Promise<number[]>;
  /** SIGTERM, then the exit code and the follower's summary. */
  stop(): Promise<{ code: number | null; summary: Record<string, unknown> | null }>;
  stderrTail(): string;
  /** The exit code once the follower has exited (-1 if by a signal), else null. */
  exitCode(): number | null;
}

const toMs = (ns: unknown) => Number(BigInt(String(ns))) / 1e6;

export function spawnFollower(env: Record<string, string>, h: FollowerHandlers): Follower {
  // With the sync client launcher's node flags, as `npx dtm-client follow` runs (its memory is measured).
  const child = spawn(process.execPath, [...launcherFlags('dtm-client'), 'bench/freshness-follower.ts'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  let summary: Record<string, unknown> | null = null;
  let pong: ((t: number) => void) | null = null;
  let idleResolve!: (t: number) => void;
  let idleReject!: (e: Error) => void;
  const firstIdle = new Promise<number>((resolve, reject) => {
    idleResolve = resolve;
    idleReject = reject;
  });
  firstIdle.catch(() => undefined);
  const f: Follower = {
    pid: child.pid!, retries: 0, resyncs: 0, firstIdle,
    async checkClock(n) {
      const trips: number[] = [];
      for (let i = 0; i < n; i++) {
        const before = hrMs();
        const got = new Promise<number>((resolve) => (pong = resolve));
        child.stdin.write('ping\n');
        const t = await got;
        const after = hrMs();
        if (t < before || t > after) throw new Error(`the follower's clock is not ours: its pong at ${t} ms is outside [${before}, ${after}] ms`);
        trips.push(after - before);
      }
      return trips;
    },
    async stop() {
      if (exit.done === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      await closed;
      return { code, summary };
    },
    stderrTail: () => stderr.join('\n'),
    exitCode: () => exit.done,
  };
  const onLine = (line: string) => {
    if (!line.startsWith('{')) return;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (e.e) {
      case 'applied': h.applied(toMs(e.t), e.changes as [string, string, number][]); break;
      case 'binary': h.binary(toMs(e.t), String(e.id), String(e.state)); break;
      case 'idle': idleResolve(toMs(e.t)); break;
      case 'pong': pong?.(toMs(e.t)); pong = null; break;
      case 'retry': f.retries++; break;
      case 'resync': f.resyncs++; break;
      case 'done': summary = e; break;
    }
  };
  onLines(child.stdout, onLine);
  onLines(child.stderr, (line) => {
    stderr.push(line.length > 1000 ? `${line.slice(0, 1000)}...` : line);
    if (stderr.length > 40) stderr.shift();
  });
  const exit: { done: number | null } = { done: null };
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exit.done = code ?? -1;
      idleReject(new Error(`the follower exited (code ${code}, signal ${signal}) before it was up to date:\n${f.stderrTail()}`));
      resolve(code);
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // Should the bench exit first, the follower must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return f;
}
