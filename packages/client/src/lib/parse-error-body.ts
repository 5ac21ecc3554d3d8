/** What an error answer says about itself. */
export interface ParsedErrorBody {
  /** The server's message, verbatim. */
  message: string | undefined;
  /** Google's status name, e.g. `INVALID_ARGUMENT`. */
  status: string | undefined;
  /** A request id carried in the body (@vertexkit/serve puts one there). */
  requestId: string | undefined;
  /** The body: parsed JSON, or the text cut to {@link MAX_BODY_TEXT} characters. */
  body: unknown;
}

/** Longest body text kept on an error. */
export const MAX_BODY_TEXT = 4096;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Read an error answer's body. Understands Google's `{"error": {"code", "message", "status"}}` (Vertex
 * AI, Cloud Run, @vertexkit/serve), `{"error": "text"}`, `{"message"}` and `{"detail"}` (FastAPI, as in
 * many custom containers), and falls back to the text itself (an HTML page from a proxy, say).
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    // An HTML error page says nothing useful in its first characters; keep only its title.
    const title = /<title>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    const short = title ?? (trimmed.length > 300 ? `${trimmed.slice(0, 297)}...` : trimmed);
    return { message: short === '' ? undefined : short, status: undefined, requestId: undefined, body: text.length > MAX_BODY_TEXT ? text.slice(0, MAX_BODY_TEXT) : text };
  }
  const root = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const error = root.error;
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    return { message: str(e.message), status: str(e.status), requestId: str(e.requestId), body: json };
  }
  const detail = root.detail;
  return {
    message: str(error) ?? str(root.message) ?? str(detail) ?? (detail !== undefined ? JSON.stringify(detail) : undefined),
    status: undefined,
    requestId: str(root.requestId),
    body: json,
  };
}
