export { FlatBits, FrameBits, type FrameBitsOptions } from './bits';
export { CHUNK_FRAMES } from './chunks';
export { FrameU16 } from './u16';
export { FrameU32 } from './u32';
export { WholeRunTracker } from './whole-runs';
