// Loaded by path into the workflow sandbox, the worker and every client: Temporal's default
// conversion (undefined, bytes, JSON), except that a JSON value whose payload reached the worker
// without encryption (the codec marks it, contract/codec.ts) carries that fact with it, so the
// workflow can refuse an input that put credentials in history in plain text. Encrypted payloads
// convert exactly as before, so every recorded history replays unchanged.
import { BinaryPayloadConverter, CompositePayloadConverter, JsonPayloadConverter, UndefinedPayloadConverter, type Payload } from '@temporalio/common';

/** Payload metadata the codec adds to a payload that arrived unencrypted. */
export const ARRIVED_UNENCRYPTED_METADATA = 'arrived-unencrypted';
/** Registered symbol: the sandbox and the worker may load this module more than once. */
const ARRIVED_UNENCRYPTED = Symbol.for('pingone-torii-sync.arrived-unencrypted');

class MarkingJsonPayloadConverter extends JsonPayloadConverter {
  override fromPayload<T>(payload: Payload): T {
    const value = super.fromPayload<T>(payload);
    if (payload.metadata?.[ARRIVED_UNENCRYPTED_METADATA] && value !== null && typeof value === 'object') {
      // Not enumerable: the value serializes, compares and validates as it arrived.
      Object.defineProperty(value, ARRIVED_UNENCRYPTED, { value: true, enumerable: false });
    }
    return value;
  }
}

export const payloadConverter = new CompositePayloadConverter(new UndefinedPayloadConverter(), new BinaryPayloadConverter(), new MarkingJsonPayloadConverter());

/** Whether this value (a workflow's input) reached the worker as plain text. */
export function arrivedUnencrypted(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[ARRIVED_UNENCRYPTED] === true;
}
