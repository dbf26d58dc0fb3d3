export { type BuddyInfoZone, parseBuddyInfo } from './buddyinfo';
export {
  addBuddyBlocks,
  type FragmentationIndices,
  type FragmentationReport,
  fragmentationIndices,
  MAX_ORDER,
  measureFragmentation,
  ORDER_COUNT,
} from './fragmentation';
