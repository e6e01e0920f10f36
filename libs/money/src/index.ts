export * from './decimal';
export * from './minor-units';
export * from './largest-remainder';
