import { describe, expect, test } from 'vitest';
import { parseErrorBody } from './parse-error-body.js';

describe('parseErrorBody', () => {
  test("Google's error shape (Vertex AI, Cloud Run, @vertexkit/serve)", () => {
    const body = { error: { code: 400, message: 'instances[3]: expected a string', status: 'INVALID_ARGUMENT', requestId: 'req-1' } };
    expect(parseErrorBody(JSON.stringify(body))).toEqual({ message: 'instances[3]: expected a string', status: 'INVALID_ARGUMENT', requestId: 'req-1', body });
  });

  test('{"error": "text"}, {"message"}, {"detail"} (FastAPI, string or structured)', () => {
    expect(parseErrorBody('{"error":"model not loaded"}').message).toBe('model not loaded');
    expect(parseErrorBody('{"message":"bad input"}').message).toBe('bad input');
    expect(parseErrorBody('{"detail":"Not Found"}').message).toBe('Not Found');
    expect(parseErrorBody('{"detail":[{"loc":["body"],"msg":"field required"}]}').message).toBe('[{"loc":["body"],"msg":"field required"}]');
  });

  test('text and HTML bodies', () => {
    expect(parseErrorBody('upstream connect error')).toEqual({ message: 'upstream connect error', status: undefined, requestId: undefined, body: 'upstream connect error' });
    expect(parseErrorBody('<html><head><title>502 Server Error</title></head><body>...</body></html>').message).toBe('502 Server Error');
    expect(parseErrorBody('').message).toBeUndefined();
    const long = 'x'.repeat(5000);
    expect(parseErrorBody(long).message).toBe(`${'x'.repeat(297)}...`);
    expect((parseErrorBody(long).body as string).length).toBe(4096);
  });
});
