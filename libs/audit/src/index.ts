export * from './verify-journals';
export * from './case-file';
export * from './default-invariants';
export { firstDifference } from './payload-diff';
