export {
  type BuddyInfoZone,
  type BuddyInfoZoneBounds,
  buddyInfoOf,
  formatBuddyInfo,
  parseBuddyInfo,
} from './buddyinfo';
export {
  addBuddyBlocks,
  type FragmentationIndices,
  type FragmentationReport,
  fragmentationIndices,
  MAX_ORDER,
  measureFragmentation,
  ORDER_COUNT,
} from './fragmentation';
