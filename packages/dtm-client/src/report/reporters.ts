// Reporters only listen to the library's events: a progress bar on a terminal, JSON lines
// otherwise. Events carry counts, ids and times; never a resource body.
import cliProgress from 'cli-progress';
import type { SyncEmitter, SyncEvents } from '../sync/events.ts';

const EVENTS: (keyof SyncEvents)[] = ['start', 'page', 'retry', 'resync', 'binary', 'issue', 'cleared', 'idle', 'done'];

export function attachJsonLines(emitter: SyncEmitter, out: NodeJS.WritableStream = process.stdout): void {
  for (const event of EVENTS) {
    emitter.on(event, (payload) => out.write(JSON.stringify({ at: new Date().toISOString(), event, ...payload }) + '\n'));
  }
}

export function attachProgressBar(emitter: SyncEmitter, out: NodeJS.WriteStream = process.stderr): void {
  const bar = new cliProgress.SingleBar({
    stream: out,
    format: '{practice} |{bar}| {value}/{total} changes | {rate}/s | ETA {eta_formatted} | {state}',
    hideCursor: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  let started = 0;
  const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));
  emitter.on('start', (e) => {
    started = Date.now();
    // ETA from the server's counts; while following, the bar grows with what arrives.
    bar.start(e.expectedChanges ?? 0, 0, { practice: e.practice, rate: 0, state: e.resumedFrom ? 'resuming' : 'initial extract' });
  });
  emitter.on('page', (e) => {
    if (e.totalReceived > bar.getTotal()) bar.setTotal(e.totalReceived);
    bar.update(e.totalReceived, { rate: rate(e.totalReceived), state: e.upToDate ? 'up to date' : 'reading' });
  });
  emitter.on('retry', (e) => bar.update({ state: `retrying (${e.attempt}) in ${Math.round(e.delayMs / 1000)} s: ${e.error}` }));
  emitter.on('resync', () => bar.update(0, { state: 'RESYNC from the beginning' }));
  emitter.on('idle', () => bar.update({ state: 'up to date; waiting for changes' }));
  emitter.on('done', () => bar.stop());
}

export function attachReporter(emitter: SyncEmitter, mode: 'auto' | 'bar' | 'jsonl' | 'none'): void {
  const tty = Boolean(process.stderr.isTTY);
  if (mode === 'bar' || (mode === 'auto' && tty)) attachProgressBar(emitter);
  else if (mode === 'jsonl' || mode === 'auto') attachJsonLines(emitter);
}
