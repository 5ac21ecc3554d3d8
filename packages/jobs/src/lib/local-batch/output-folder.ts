// The folder a batch prediction job writes into: `prediction-<model-display-name>-<job-create-time>` under
// outputConfig.gcsDestination.outputUriPrefix (BatchPredictionJob.OutputConfig.gcs_destination). The docs give
// the time as "YYYY-MM-DDThh:mm:ss.sssZ ISO-8601"; the folders Vertex AI actually creates write it with
// underscores for `-`, `:` and `.` (e.g. `prediction-usgs_earthquakes-2025_03_25T06_28_43_123Z`), which is
// also a name every file system takes: that form is used here.
import { joinLocation, list } from '@vertexkit/storage';
import type { Storage } from '@vertexkit/storage';
import { BatchJournal, directoryUri, type JournalManifest } from './batch-journal.js';

/** `2025-03-25T06:28:43.123Z` as Vertex AI writes it in folder names: `2025_03_25T06_28_43_123Z`. */
export function folderTime(time: Date): string {
  return time.toISOString().replace(/[-:.]/g, '_');
}

/**
 * The name part for the model. Not stated by the docs, assumed: characters other than letters, digits, `_`, `-`
 * and `.` become `_` (a `/` would make a sub-folder).
 */
export function folderModelName(displayName: string): string {
  return displayName.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model';
}

/** The output folder of a new run. */
export function newOutputDirectory(root: string, modelName: string, createTime: Date): string {
  return directoryUri(joinLocation(root, `prediction-${folderModelName(modelName)}-${folderTime(createTime)}`).uri);
}

/**
 * An unfinished run of the same identity and input under `root`, newest first: its folder and manifest.
 * Folders of finished runs (no manifest) and of other specs are passed over.
 */
export async function findUnfinishedRun(params: {
  root: string;
  modelName: string;
  identity: string;
  sameInputs: (manifest: JournalManifest) => boolean;
  storage: Storage | undefined;
}): Promise<{ outputDirectory: string; manifest: JournalManifest } | undefined> {
  const prefix = joinLocation(directoryUri(params.root), `prediction-${folderModelName(params.modelName)}-`).uri;
  const folders: string[] = [];
  for await (const entry of list({ prefix, recursive: false, storage: params.storage })) {
    if (entry.type === 'prefix') folders.push(entry.location.uri);
  }
  for (const folder of folders.sort().reverse()) {
    const journal = new BatchJournal(folder, params.storage);
    const manifest = await journal.readManifest().catch(() => undefined);
    if (manifest && manifest.identity === params.identity && params.sameInputs(manifest)) return { outputDirectory: journal.outputDirectory, manifest };
  }
  return undefined;
}
