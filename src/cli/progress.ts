import cliProgress from 'cli-progress';
import { currentIo, type OutputStream } from './io.ts';

/** Sending progress for the operator: a bar (sent of total, rate, ETA) on a terminal, plain lines otherwise. */
export interface Progress {
  batchDone(batch: number, recipients: number, outcome: 'sent' | 'failed'): void;
  stop(): void;
}

export function sendProgress(total: number, stream: OutputStream = currentIo().stderr): Progress {
  const started = Date.now();
  let done = 0;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        // Only a terminal says isTTY: the process's own stderr.
        stream: stream as NodeJS.WriteStream,
        format: 'Sending |{bar}| {value}/{total} messages | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0' });
    return {
      batchDone(_batch, recipients) {
        done += recipients;
        bar.update(done, { rate: String(Math.round(done / Math.max(0.001, (Date.now() - started) / 1000))) });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    batchDone(batch, recipients, outcome) {
      done += recipients;
      const seconds = (Date.now() - started) / 1000;
      const rate = done / Math.max(0.001, seconds);
      const eta = Math.ceil((total - done) / Math.max(rate, 0.001));
      stream.write(`batch ${batch}: ${recipients} ${outcome} (${done}/${total}, ${Math.round(rate)}/s, ETA ${eta}s)\n`);
    },
    stop() {},
  };
}
