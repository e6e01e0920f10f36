export { marginDecider } from './margin.decider';
export type { MarginCommand, MarginCommandOf, MarginEvent, MarginEventOf, MarginState } from './margin.types';
export { parseMarginCommand } from './margin.parse';
export { marginWireInputs } from './margin.wire';
export { accountView, type AccountView } from './margin.views';
export { findBreaches, naiveScanBreaches, type BreachScan } from './breach.scan';
export { snapshotMarginState, marginStateDigest, restoreMarginState } from './margin.snapshot';
