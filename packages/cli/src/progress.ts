/** A one-line progress bar on stderr, drawn only on a terminal so pipes and CI logs stay clean. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #label = '';

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#enabled = Boolean(stream.isTTY);
  }

  start(label: string): void {
    this.#label = label;
    this.update(0);
  }

  update(fraction: number): void {
    if (!this.#enabled) return;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.#stream.write(`\r${this.#label.padEnd(12)} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%`);
  }

  done(): void {
    if (this.#enabled) this.#stream.write('\r\x1b[K');
  }
}
