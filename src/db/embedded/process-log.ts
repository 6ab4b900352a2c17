import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

/**
 * A child process's output, kept where an operator looks after a crash: `<dir>/<name>.log`, rotated at
 * 10 MiB with five old files kept (rotating-file-stream), and the last lines in memory for the one-line
 * error of a failed start. One file per process name, shared by its restarts.
 */
export class ProcessLog {
  private readonly file: RotatingFileStream;
  private tail = '';
  private listeners = new Set<(text: string) => void>();

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.file = createStream(`${name}.log`, { path: dir, size: '10M', maxFiles: 5 });
    // A log that cannot be written must not take the database down with it.
    this.file.on('error', () => undefined);
  }

  /** Appends everything `stream` says, with a line marking where this run of the process began. */
  follow(stream: Readable | null, run: string): void {
    this.file.write(`--- ${new Date().toISOString()} ${run}\n`);
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.file.write(text);
      this.tail = (this.tail + text).slice(-2000);
      for (const listener of this.listeners) listener(text);
    });
  }

  /** The last 2,000 characters written. */
  recent(): string {
    return this.tail.trim();
  }

  /** Calls `listener` with what is written from now on, until the returned function is called. */
  listen(listener: (text: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    return new Promise((done) => this.file.end(() => done()));
  }
}
