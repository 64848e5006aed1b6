// The dying store lives in dev/ (the simulation uses it too).
export { type DyingStore, dyingAt } from '../../dev/dying-store';
