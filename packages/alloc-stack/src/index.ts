export { STACK_CAPABILITIES, type StackAllocator, type StackState } from './api';
export {
  FRAME_WORDS,
  HEADER_WORDS,
  MAX_NODE_ENTRIES,
  maxEntriesFor,
  NO_LINK_WORD,
} from './layout';
export { type StackOptions, StackOptionsSchema } from './options';
export { createStackAllocator, plugin } from './plugin';
