// kind-style progress: one line per step, a tick (or cross) and the time it took. On a terminal
// the step shows with a bullet while it runs and is rewritten when it ends.
export class Progress {
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(out.isTTY);
  }

  line(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Runs one step, printing " ✓ title" (or " ✗ title") with its duration; `done` may name the result in the title. */
  async step<T>(title: string, fn: () => Promise<T>, done: (result: T) => string = () => title): Promise<T> {
    const started = Date.now();
    if (this.tty) this.out.write(` • ${title} ...`);
    const end = (mark: string, text: string) => {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      this.out.write(`${this.tty ? '\r\x1b[K' : ''} ${mark} ${text} (${secs}s)\n`);
    };
    try {
      const result = await fn();
      end('✓', done(result));
      return result;
    } catch (err) {
      end('✗', title);
      throw err;
    }
  }
}
