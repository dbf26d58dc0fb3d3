export { MAX_OWNER } from './owner-table';
export { KERNEL_OWNER, type OwnedAllocator, type OwnersOptions, withOwners } from './owners';
