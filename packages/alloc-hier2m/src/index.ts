export type { EntrySnapshot, Hier2mAllocator, Hier2mList, Hier2mStats } from './api';
export { BYTES_PER_ENTRY } from './entry-table';
export { FIELDS_PER_ENTRY, FRAMES_PER_ENTRY, FRAMES_PER_FIELD } from './layout';
export { DEFAULT_LOW_LIMIT, HIER2M_CAPABILITIES, type Hier2mOptions, Hier2mOptionsSchema } from './options';
export { createEmptyHier2mAllocator, createHier2mAllocator, plugin } from './plugin';
