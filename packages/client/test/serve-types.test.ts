// The response type @vertexkit/client documents for a text classifier is the one @vertexkit/serve answers with:
// `npm run typecheck` fails here when either side changes without the other.
import type { LabelScore as ServedLabelScore, TextClassificationPrediction as ServedPrediction } from '@vertexkit/serve';
import { expectTypeOf, test } from 'vitest';
import type { LabelScore, TextClassificationPrediction } from '../src/index.js';

test("the client's TextClassificationPrediction and LabelScore are serve's", () => {
  expectTypeOf<TextClassificationPrediction>().toEqualTypeOf<ServedPrediction>();
  expectTypeOf<LabelScore>().toEqualTypeOf<ServedLabelScore>();
  // The README's first mistake: `{ label: string }` is not what comes back.
  expectTypeOf<TextClassificationPrediction>().not.toEqualTypeOf<{ label: string }>();
});
