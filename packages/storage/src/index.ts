/**
 * `@vertexkit/storage`: Cloud Storage data I/O for ML jobs, over `gs://`, `file://` and local paths.
 * @packageDocumentation
 */
export { StorageError, type StorageErrorCode, type StorageErrorOptions } from './lib/errors.js';
export {
  parseLocation,
  joinLocation,
  toFusePath,
  toUri,
  GCS_FUSE_ROOT,
  type Location,
  type LocationLike,
  type GcsLocation,
  type LocalLocation,
} from './lib/location.js';
export type { ObjectInfo, ListEntry } from './lib/backend.js';
export type { TransferProgress, ProgressCallback } from './lib/progress.js';
export type { RetryPolicy } from './lib/retry.js';
export { createStorage, defaultStorage, type Storage, type StorageOptions, type SourceParam } from './lib/storage.js';
export { stat, exists, type StatParams } from './lib/stat.js';
export { list, type ListParams } from './lib/list.js';
export { readStream, readBytes, readText, type ReadParams } from './lib/read.js';
export { write, writeText, type WriteParams, type WriteData } from './lib/write.js';
export { copy, type CopyParams } from './lib/copy.js';
export { deleteFile, deletePrefix, type DeleteFileParams, type DeletePrefixParams } from './lib/delete.js';
export {
  syncDirectory,
  uploadDirectory,
  downloadDirectory,
  type SyncParams,
  type SyncResult,
  type UploadDirectoryParams,
  type DownloadDirectoryParams,
} from './lib/sync-directory.js';
export { fetchDataset, type FetchDatasetParams, type FetchedDataset } from './lib/fetch-dataset.js';
export {
  publishArtifacts,
  type ArtifactManifest,
  type PublishArtifactsParams,
  type PublishArtifactsResult,
} from './lib/publish-artifacts.js';
export {
  readCsv,
  readCsvHeader,
  writeCsv,
  type CsvRecord,
  type CsvRow,
  type ReadCsvParams,
  type ReadCsvHeaderParams,
  type WriteCsvParams,
} from './lib/csv.js';
export { readJsonl, writeJsonl, type ReadJsonlParams, type WriteJsonlParams } from './lib/jsonl.js';
export {
  readShardedJsonl,
  writeShardedJsonl,
  type ReadShardedJsonlParams,
  type WriteShardedJsonlParams,
  type ShardedJsonlResult,
} from './lib/sharded-jsonl.js';
