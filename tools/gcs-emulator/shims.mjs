// Small fixes that make the firebase-tools emulator answer like GCS where a storage client
// depends on it. Each is something upstream lacks; see README.md "What we add".
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lib = 'firebase-tools/lib/emulator';
const metadataModule = require(`${lib}/storage/metadata.js`);
const shared = require(`${lib}/storage/apis/shared.js`);
const { CloudStorageBucketMetadata } = metadataModule;

const gcsError = (res, code, reason, message) =>
  res.status(code).json({ error: { code, message, errors: [{ domain: 'global', reason, message }] } });

/**
 * Patches module exports that upstream routes look up at call time (`metadata_1.X`,
 * `shared_1.X`), so this must run before any request is served.
 */
export function patchModules() {
  // Generations are Date.now() upstream, so two writes in one millisecond share a generation
  // and generation preconditions stop meaning anything. Make them strictly increasing.
  const Stored = metadataModule.StoredFileMetadata;
  let last = 0;
  metadataModule.StoredFileMetadata = class extends Stored {
    constructor(opts, ...rest) {
      if (!opts.generation) opts = { ...opts, generation: (last = Math.max(last + 1, Date.now())) };
      super(opts, ...rest);
    }
  };

  // @google-cloud/storage checks a download's crc32c/md5 (x-goog-hash) only when the response
  // says how the object is stored, as GCS always does. Without this header a corrupted
  // download passes silently.
  const sendFileBytes = shared.sendFileBytes;
  shared.sendFileBytes = (md, data, req, res) => {
    res.setHeader('x-goog-stored-content-encoding', md.contentEncoding || 'identity');
    res.setHeader('x-goog-stored-content-length', String(md.size));
    return sendFileBytes(md, data, req, res);
  };
}

/**
 * Bucket insert/get/delete. Upstream has none of them: POST /b even lands in its form-upload
 * route and creates a bucket named "b". Buckets still also spring into existence on first use
 * of /b/<name>/..., as upstream does.
 */
export function bucketRoutes(app, express, emulator) {
  const buckets = emulator.adminStorageLayer._buckets; // Map<name, CloudStorageBucketMetadata>
  const files = emulator.adminStorageLayer._files; // Map<"bucket/object", StoredFile>

  app.post(['/b', '/storage/v1/b'], express.json(), (req, res) => {
    const name = req.body?.name;
    if (!name) return gcsError(res, 400, 'required', 'Bucket name is required');
    if (buckets.has(name)) return gcsError(res, 409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
    buckets.set(name, new CloudStorageBucketMetadata(name));
    return res.json(buckets.get(name));
  });
  app.get(['/b/:bucketId', '/storage/v1/b/:bucketId'], (req, res) => {
    const bucket = buckets.get(req.params.bucketId);
    return bucket ? res.json(bucket) : gcsError(res, 404, 'notFound', 'The specified bucket does not exist.');
  });
  app.delete(['/b/:bucketId', '/storage/v1/b/:bucketId'], (req, res) => {
    const name = req.params.bucketId;
    if (!buckets.has(name)) return gcsError(res, 404, 'notFound', 'The specified bucket does not exist.');
    for (const file of files.values()) {
      if (file.metadata.bucket === name) return gcsError(res, 409, 'conflict', 'The bucket you tried to delete is not empty.');
    }
    buckets.delete(name);
    return res.sendStatus(204);
  });
}

/**
 * Object preconditions (ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch,
 * ifMetagenerationNotMatch, ifSource*) and `generation` reads, all ignored upstream.
 * Generation 0 means "no live object". Uploads are checked when they start (for resumable
 * uploads: when the session is created); GCS checks again at the end.
 */
export function preconditionRoutes(app, emulator) {
  const layer = emulator.adminStorageLayer;

  function failed(req, res, q, prefix, bucket, name) {
    const md = layer.getMetadata(bucket, name);
    const gen = md ? Number(md.generation) : 0;
    const num = (key) => (q[prefix + key] === undefined ? undefined : Number(q[prefix + key]));
    const notModified = req.method === 'GET' || req.method === 'HEAD';
    const fail = (code) => {
      if (code === 304) res.status(304).end();
      else gcsError(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
      return true;
    };
    if (num('GenerationMatch') !== undefined && num('GenerationMatch') !== gen) return fail(412);
    if (num('GenerationNotMatch') !== undefined && num('GenerationNotMatch') === gen) return fail(notModified ? 304 : 412);
    if (md && num('MetagenerationMatch') !== undefined && num('MetagenerationMatch') !== Number(md.metageneration)) return fail(412);
    if (md && num('MetagenerationNotMatch') !== undefined && num('MetagenerationNotMatch') === Number(md.metageneration)) {
      return fail(notModified ? 304 : 412);
    }
    return false;
  }

  const objectPaths = ['/b/:bucketId/o/:objectId', '/storage/v1/b/:bucketId/o/:objectId', '/download/storage/v1/b/:bucketId/o/:objectId'];
  app.all(objectPaths, (req, res, next) => {
    const { bucketId, objectId } = req.params;
    if (failed(req, res, req.query, 'if', bucketId, objectId)) return;
    // Without object versioning only the live generation can be read.
    const gen = req.query.generation;
    const md = layer.getMetadata(bucketId, objectId);
    if (gen !== undefined && md && Number(gen) !== Number(md.generation)) {
      if (req.method === 'GET' && req.query.alt === 'media') return res.status(404).send(`No such object: ${bucketId}/${objectId}`);
      return gcsError(res, 404, 'notFound', `No such object: ${bucketId}/${objectId}`);
    }
    next();
  });
  app.post('/b/:bucketId/o/:objectId/:method(rewriteTo|copyTo)/b/:destBucketId/o/:destObjectId', (req, res, next) => {
    const p = req.params;
    if (failed(req, res, req.query, 'ifSource', p.bucketId, p.objectId)) return;
    if (failed(req, res, req.query, 'if', p.destBucketId, p.destObjectId)) return;
    next();
  });
  app.post('/upload/storage/v1/b/:bucketId/o', (req, res, next) => {
    const name = req.query.name?.toString();
    if (name && failed(req, res, req.query, 'if', req.params.bucketId, name)) return;
    next();
  });
}
