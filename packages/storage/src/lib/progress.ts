/** Progress of a transfer of one or many files, reported as it happens. */
export interface TransferProgress {
  /** Bytes transferred so far (bytes of failed attempts are taken back before a retry). */
  readonly bytesDone: number;
  /** Bytes to transfer in all (files skipped as identical not counted). */
  readonly bytesTotal: number;
  /** Files finished (transferred or skipped). */
  readonly filesDone: number;
  /** Files considered. */
  readonly filesTotal: number;
  /** Files skipped because the destination already held identical content. */
  readonly filesSkipped: number;
  /** The file (relative path, or location for single transfers) this report is about. */
  readonly file?: string | undefined;
}

/** Receives {@link TransferProgress} reports; e.g. draw a progress bar or write a log line. */
export type ProgressCallback = (progress: TransferProgress) => void;

/** @internal Mutable counters behind the reports. */
export class ProgressTracker {
  bytesDone = 0;
  bytesTotal = 0;
  filesDone = 0;
  filesTotal = 0;
  filesSkipped = 0;
  constructor(private readonly callback: ProgressCallback | undefined) {}

  /** A byte counter for one file's transfer: adds to the totals and reports. */
  counter(file: string): (bytes: number) => void {
    return (bytes) => {
      this.bytesDone += bytes;
      this.report(file);
    };
  }

  report(file?: string): void {
    this.callback?.({
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      filesSkipped: this.filesSkipped,
      file,
    });
  }
}
