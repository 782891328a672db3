// The package's public surface for Torii's backend: the input schema, names and client calls, and
// the one way to a Temporal client that encrypts what it writes (connectClient, or a Client built
// with encryptingDataConverter); the start calls refuse any other client.
export * from '../contract/sync';
export { startSync, runSync, validateSyncInput, InvalidSyncInputError } from './start-sync';
export * from '../contract/verify';
export * from '../contract/usage';
export { startVerify, verifyConnection, validateVerifyInput, describeVerifyResult, InvalidVerifyInputError } from './verify-connection';
export { connectClient } from './temporal';
export { UnencryptedClientError } from './encrypted-client';
export { encryptingDataConverter, AesGcmPayloadCodec } from '../contract/codec';
export { parseEncryptionKeys, type EncryptionKey } from '../contract/encryption-keys';
export { loadConfig, ConfigError, type WorkerConfig } from '../contract/config';
