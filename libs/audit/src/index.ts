export * from './verify-journals';
export * from './case-file';
export * from './default-invariants';
export { firstDifference } from './payload-diff';
export * from './journal-source';
export * from './counterfactual';
export * from './profit-reference';
export * from './case-file-html';
