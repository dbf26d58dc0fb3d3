export {
  checkHeapConformance,
  HEAP_MISUSE_CODES,
  HeapConformanceFailure,
  type HeapConformanceOptions,
  type HeapFactory,
} from './conformance';
export { describeHeapConformance } from './describe';
