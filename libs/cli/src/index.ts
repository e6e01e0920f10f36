export * from './format-outcome';
export { main } from './main';
