// The resumable-upload protocol for PUTs carrying Content-Range, which upstream lacks.
//
// Upstream treats every PUT to a session as "append the body, then finalize". That breaks
// the two things clients do when a session spans several requests: chunked uploads
// (`chunkSize`: the first chunk became the whole object and the client reported a mismatch)
// and resuming after a failed request (the status query `Content-Range: bytes */*` has an
// empty body, so it finalized an empty object and the real retry then got 400).
//
// Semantics, as documented for GCS (cloud.google.com/storage/docs/performing-resumable-uploads):
//   bytes A-B/*      a chunk: persist, answer 308 + `Range: bytes=0-<last persisted byte>`
//   bytes A-B/T      a chunk; when it reaches T bytes the object is finalized (200 + resource)
//   bytes A-* /T|*   the rest of the object in one streamed request: finalized when it ends
//   bytes */*|T      status query: 308 (+ Range when any byte is persisted), or 200 + resource
//                    once finalized (also when T bytes are already persisted)
// Bytes a client re-sends that were already persisted are skipped, as GCS does.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lib = 'firebase-tools/lib/emulator';
const { UploadStatus } = require(`${lib}/storage/upload.js`);
const { CloudStorageObjectMetadata } = require(`${lib}/storage/metadata.js`);

const CONTENT_RANGE = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/;

/** Express handler for PUT /upload/storage/v1/b/:bucketId/o; calls next() for what it does not own. */
export function resumablePut(emulator) {
  const { uploadService, adminStorageLayer } = emulator;
  const finished = new Map(); // upload id -> object resource, for status queries after the end

  return async (req, res, next) => {
    const uploadId = req.query.upload_id?.toString();
    const range = req.header('content-range')?.trim();
    if (!uploadId || !range) return next(); // upstream: body is the whole object
    const m = CONTENT_RANGE.exec(range);
    if (!m) return res.status(400).json({ error: { code: 400, message: `Bad Content-Range: ${range}` } });

    let upload;
    try {
      upload = uploadService.getResumableUpload(uploadId);
    } catch {
      return res.status(404).json({ error: { code: 404, message: 'No such upload session' } });
    }

    let body;
    try {
      const parts = [];
      for await (const part of req) parts.push(part);
      body = Buffer.concat(parts);
    } catch {
      return; // client went away mid-request: persist nothing from it
    }

    if (upload.status === UploadStatus.FINISHED) {
      return finished.has(uploadId) ? res.json(finished.get(uploadId)) : res.sendStatus(400);
    }
    if (upload.status !== UploadStatus.ACTIVE) return res.status(410).json({ error: { code: 410, message: 'Upload cancelled' } });

    const [, startText, endText, totalText] = m;
    const total = totalText === '*' ? undefined : Number(totalText);
    if (startText !== undefined) {
      const start = Number(startText);
      if (start > upload.size) {
        return res.status(400).json({ error: { code: 400, message: `Chunk starts at ${start}, but only ${upload.size} bytes are persisted` } });
      }
      const fresh = body.subarray(upload.size - start);
      if (fresh.length) uploadService.continueResumableUpload(uploadId, fresh);
    }

    const streamedToEnd = endText === '*';
    if (streamedToEnd || (total !== undefined && upload.size >= total)) {
      if (total !== undefined && upload.size !== total) {
        return res.status(400).json({ error: { code: 400, message: `Got ${upload.size} bytes, Content-Range said ${total}` } });
      }
      uploadService.finalizeResumableUpload(uploadId);
      const resource = new CloudStorageObjectMetadata(await adminStorageLayer.uploadObject(upload));
      finished.set(uploadId, resource);
      return res.json(resource);
    }
    if (upload.size > 0) res.setHeader('Range', `bytes=0-${upload.size - 1}`);
    res.setHeader('Content-Length', '0');
    return res.status(308).end();
  };
}
