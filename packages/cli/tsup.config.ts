import { frameKitBuild } from '../../tsup.shared';

// The library entry points (the comparison the playground shares) and the `framekit` bin.
export default frameKitBuild({
  index: 'src/index.ts',
  compare: 'src/shared/compare.ts',
  maps: 'src/shared/maps.ts',
  strategies: 'src/shared/strategies.ts',
  // compare --workers without threads: the split, one worker's replay, the row (the playground's Web Workers use it).
  workers: 'src/shared/workers-split.ts',
  bin: 'src/bin.ts',
  // compare --workers starts its worker threads from this file, beside the bin.
  'workers-thread': 'src/shared/workers-thread.ts',
});
