// Domain types shared by every module. Types only (plus the one error class), no I/O.
export type * from './k8s.ts';
export type * from './policy.ts';
export { PalisadeError, wrapError } from './error.ts';
export type { PalisadeErrorOptions } from './error.ts';
export type * from './image.ts';
export type * from './vulnerability.ts';
