// Reads a payload the worker wrote (a heartbeat's details, an activity's input) as the test's own
// value: the data converter's codecs undone in reverse order, then the default payload converter.
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';

export async function decodedPayload(converter: DataConverter, payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  let payloads = [payload];
  for (const codec of [...(converter.payloadCodecs ?? [])].reverse()) payloads = await codec.decode(payloads);
  return defaultPayloadConverter.fromPayload(payloads[0]);
}
