export { BUDDY_CAPABILITIES, type BuddyAllocator } from './api';
export { type BuddyOptions, BuddyOptionsSchema, type ResolvedBuddyOptions } from './options';
export { createBuddyAllocator, plugin } from './plugin';
