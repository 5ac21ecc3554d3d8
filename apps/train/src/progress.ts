// Training progress for people and for logs: on a terminal, a bar over each epoch's batches; otherwise
// (Vertex AI, CI, a pipe) one line per epoch, which is what Cloud Logging shows.
import cliProgress from 'cli-progress';
import { describeEvent, type TrainingEvent } from '@vertexkit/trainer';

/** Receives the trainer's events; `stop()` restores the terminal if training ends mid-epoch. */
export interface ProgressReporter {
  onEvent(event: TrainingEvent): void;
  stop(): void;
}

/**
 * A reporter writing to `stream`: a progress bar per epoch when it is a terminal (`interactive`,
 * default `stream.isTTY`), and in both cases the lines training.log gets (start, each epoch, early stop).
 */
export function createProgressReporter(
  stream: NodeJS.WriteStream = process.stdout,
  interactive: boolean = stream.isTTY === true,
): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };

  return {
    onEvent(event) {
      if (event.type === 'batch') {
        if (!interactive) return;
        if (bar === undefined) {
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: `epoch ${event.epoch} {bar} {value}/{total} batches  loss {loss}  {duration_formatted}`,
              // The epoch's log line replaces its bar, so the terminal keeps one line per epoch.
              clearOnComplete: true,
              hideCursor: true,
              barsize: 30,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.batches, 0, { loss: '-' });
        }
        bar.update(event.batch, { loss: event.loss.toFixed(4) });
        return;
      }
      stopBar();
      const line = describeEvent(event);
      if (line !== undefined) stream.write(`${line}\n`);
    },
    stop: stopBar,
  };
}
