/*
 * The one program every process of a VM trace runs: where its regions sit and how big they
 * are. A trace names pages by region and index, so the layout is fixed here, shared by the
 * workload that writes traces and the replayer that runs them.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export interface ProgramRegion {
  /** Virtual address of the first page. */
  readonly start: number;
  readonly pages: number;
  readonly prot: string;
  /** Where its pages come from: the program file (private: copy-on-write), or zero-filled anonymous memory. */
  readonly content: 'file' | 'heap' | 'stack';
  /** First page in the program file (file regions). */
  readonly filePage?: number;
}

/** Region names a `touch` may name. */
export const REGION_NAMES = ['text', 'data', 'heap', 'stack'] as const;
export type RegionName = (typeof REGION_NAMES)[number];

/**
 * An ELF-like image: code and initialised data mapped privately from the program file (as
 * `execve` does), a heap of anonymous memory that may use 2 MiB pages, and a stack below
 * the top of the lower half.
 */
export const PROGRAM: Readonly<Record<RegionName, ProgramRegion>> = Object.freeze({
  text: { start: 4 * MiB, pages: 256, prot: 'rx', content: 'file', filePage: 0 },
  data: { start: 6 * MiB, pages: 64, prot: 'rw', content: 'file', filePage: 256 },
  heap: { start: 256 * MiB, pages: (256 * MiB) / (4 * KiB), prot: 'rw', content: 'heap' },
  stack: { start: 0x7fff_0000_0000 - MiB, pages: 256, prot: 'rw', content: 'stack' },
});

/** Pages of the program file: text, then data. */
export const PROGRAM_FILE_PAGES = PROGRAM.text.pages + PROGRAM.data.pages;
