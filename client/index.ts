// The package's public surface for Torii's backend: the input schema, names and client calls.
export * from '../workflows/contract';
export { startSync, runSync, validateSyncInput, InvalidSyncInputError } from './start-sync';
export * from '../workflows/verify-contract';
export * from '../workflows/usage-contract';
export { startVerify, verifyConnection, validateVerifyInput, describeVerifyResult, InvalidVerifyInputError } from './verify-connection';
