import type { Sample } from '@framekit/sim';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const METRICS: readonly { key: keyof Sample; title: string }[] = [
  { key: 'opsPerSecond', title: 'Operations per second' },
  { key: 'freeFrames', title: 'Free frames' },
  { key: 'largestFreeRun', title: 'Largest free run (frames)' },
  { key: 'free2MiBBlocks', title: 'Free 2 MiB blocks' },
  { key: 'unusableIndex', title: 'Unusable free space index, 2 MiB (‰)' },
  { key: 'fragmentationIndex', title: 'Fragmentation index, 2 MiB (‰, -1000 = fits)' },
  { key: 'failed', title: 'Failed requests (with unsupported)' },
  { key: 'metadataBytes', title: 'Metadata bytes' },
];

/** Axis numbers kept short: 1.2M, 350k, 12. */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(0)}k`;
  return String(+v.toFixed(2));
}

/** Room for the longest tick label of an axis, in pixels (about 7 px a character at 12 px). */
const axisSize = (_u: uPlot, values: string[] | null) =>
  values ? Math.max(30, ...values.map((v) => v.length * 7 + 18)) : 40;

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

/** One small chart per metric over the run, a line per strategy. */
export class Charts {
  readonly #container: HTMLElement;
  readonly #samples = new Map<string, Sample[]>();
  #plots: uPlot[] = [];

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  reset(): void {
    for (const plot of this.#plots) plot.destroy();
    this.#plots = [];
    this.#samples.clear();
    this.#container.replaceChildren();
  }

  add(strategy: string, sample: Sample): void {
    let list = this.#samples.get(strategy);
    if (!list) {
      list = [];
      this.#samples.set(strategy, list);
    }
    list.push(sample);
  }

  /** Redraws every chart from the samples so far. */
  render(): void {
    for (const plot of this.#plots) plot.destroy();
    this.#plots = [];
    this.#container.replaceChildren();
    const strategies = [...this.#samples.keys()];
    const longest = strategies.reduce<Sample[]>((a, s) => {
      const list = this.#samples.get(s)!;
      return list.length > a.length ? list : a;
    }, []);
    const xs = longest.map((s) => s.op);
    // As wide as the screen allows, up to 420 px: a phone gets one chart per row.
    const width = Math.max(240, Math.min(420, this.#container.clientWidth - 8));
    for (const metric of METRICS) {
      const div = document.createElement('div');
      div.className = 'chart';
      this.#container.append(div);
      const data: (number | null)[][] = [xs];
      for (const s of strategies) {
        const byOp = new Map(
          this.#samples.get(s)!.map((sample) => [sample.op, sample[metric.key] as number]),
        );
        data.push(xs.map((x) => byOp.get(x) ?? null));
      }
      this.#plots.push(
        new uPlot(
          {
            title: metric.title,
            width,
            height: 200,
            // Room on the right for the last x label.
            padding: [8, 28, 0, 0],
            scales: { x: { time: false } },
            axes: [
              { label: 'operations', values: (_u, splits) => splits.map(compactNumber) },
              { size: axisSize, values: (_u, splits) => splits.map(compactNumber) },
            ],
            series: [
              { label: 'op' },
              ...strategies.map((s, i) => ({ label: s, stroke: COLOURS[i % COLOURS.length], width: 1.5 })),
            ],
          },
          data as uPlot.AlignedData,
          div,
        ),
      );
    }
  }
}
