// The in-memory store lives in dev/ (the simulation and the bench use it too).
export { MemorySegmentStore, NO_CALLS, type StoreCalls } from '../../dev/memory-store';
