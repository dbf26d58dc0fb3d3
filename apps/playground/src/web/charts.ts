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
  { key: 'failed', title: 'Failed requests' },
  { key: 'metadataBytes', title: 'Metadata bytes' },
];

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
            width: 420,
            height: 200,
            scales: { x: { time: false } },
            axes: [{ label: 'operations' }, { size: 60 }],
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
