import type { EncodedText } from './create-text-tokenizer.js';
import type { Int64Feed } from './onnx-worker-protocol.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The model inputs serve knows how to fill; exports from transformers use a subset of them. */
export const INPUT_NAMES = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** The inputs of a session that serve fills, in the session's order (the handler refuses a model with others). */
export function fillableInputs(inputNames: readonly string[]): InputName[] {
  return inputNames.filter((name): name is InputName => (INPUT_NAMES as readonly string[]).includes(name));
}

/** What {@link buildFeeds} needs of a model directory. */
export interface BatchEncoder {
  encode(text: string): EncodedText;
  padId: number;
  padTypeId: number;
}

/**
 * Tokenizes a batch and pads it to its longest text, under an attention mask (so a text scores the same alone or
 * batched): the int64 `[batch, length]` feeds of `inputs`. Used on the main thread (`worker: false`) and in
 * onnx-worker.ts, which tokenizes there so that the event loop only parses requests.
 */
export function buildFeeds(model: BatchEncoder, texts: readonly string[], inputs: readonly InputName[]): Record<string, Int64Feed> {
  const encoded = texts.map((text) => model.encode(text));
  // At least one column: an empty tensor dimension is legal ONNX but not every model handles it.
  let length = 1;
  for (const { ids } of encoded) if (ids.length > length) length = ids.length;
  const size = texts.length * length;
  const inputIds = new BigInt64Array(size).fill(BigInt(model.padId));
  const attentionMask = inputs.includes('attention_mask') ? new BigInt64Array(size) : undefined;
  const tokenTypeIds = inputs.includes('token_type_ids') ? new BigInt64Array(size).fill(BigInt(model.padTypeId)) : undefined;
  // Ids are non-negative and below 2^31 (vocabulary indices): on a little-endian machine (every one ONNX Runtime ships for) each int64
  // is its low 32-bit word with a zero high word, so they are written through Int32Array views. A BigInt per
  // token costs about as much as tokenizing it (512-token texts, bench:serve).
  const words = LITTLE_ENDIAN ? { ids: new Int32Array(inputIds.buffer), mask: attentionMask && new Int32Array(attentionMask.buffer), types: tokenTypeIds && new Int32Array(tokenTypeIds.buffer) } : undefined;
  encoded.forEach(({ ids, typeIds }, row) => {
    const offset = row * length;
    if (words) {
      for (let i = 0; i < ids.length; i++) {
        const word = 2 * (offset + i);
        words.ids[word] = ids[i]!;
        if (words.mask) words.mask[word] = 1;
        if (words.types) words.types[word] = typeIds[i] ?? 0;
      }
      return;
    }
    for (let i = 0; i < ids.length; i++) {
      inputIds[offset + i] = BigInt(ids[i]!);
      if (attentionMask) attentionMask[offset + i] = 1n;
      if (tokenTypeIds) tokenTypeIds[offset + i] = BigInt(typeIds[i] ?? 0);
    }
  });
  const data: Record<InputName, BigInt64Array | undefined> = { input_ids: inputIds, attention_mask: attentionMask, token_type_ids: tokenTypeIds };
  const feeds: Record<string, Int64Feed> = {};
  for (const name of inputs) feeds[name] = { data: data[name]!, dims: [texts.length, length] };
  return feeds;
}
