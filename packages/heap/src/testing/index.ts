export {
  checkHeapConformance,
  checkHeapSetup,
  HEAP_SETUPS,
  HeapConformanceFailure,
  type HeapConformanceOptions,
  type HeapFactory,
  type HeapSetup,
} from './conformance';
export { describeHeapConformance } from './describe';
