import type { JobKind, JobSnapshot } from '../job-handle.js';
import type { JobState } from '../job-state.js';

/** Enum numbers as the service defines them, for clients configured to return numbers. */
const JOB_STATES: JobState[] = [
  'JOB_STATE_UNSPECIFIED', 'JOB_STATE_QUEUED', 'JOB_STATE_PENDING', 'JOB_STATE_RUNNING', 'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED', 'JOB_STATE_CANCELLING', 'JOB_STATE_CANCELLED', 'JOB_STATE_PAUSED', 'JOB_STATE_EXPIRED',
  'JOB_STATE_UPDATING', 'JOB_STATE_PARTIALLY_SUCCEEDED',
];

/** A job resource as the official client returns it (timestamps as {seconds, nanos}) -> a {@link JobSnapshot}. */
export function toJobSnapshot(kind: JobKind, resource: Record<string, unknown>): JobSnapshot {
  const state = resource['state'];
  const error = resource['error'] as { code?: number; message?: string } | null | undefined;
  const snapshot: JobSnapshot = {
    name: typeof resource['name'] === 'string' ? resource['name'] : '',
    kind,
    displayName: typeof resource['displayName'] === 'string' ? resource['displayName'] : '',
    state: typeof state === 'number' ? (JOB_STATES[state] ?? 'JOB_STATE_UNSPECIFIED') : ((state as JobState | undefined) ?? 'JOB_STATE_UNSPECIFIED'),
    labels: (resource['labels'] as Record<string, string> | undefined) ?? {},
    resource,
  };
  for (const field of ['createTime', 'startTime', 'endTime'] as const) {
    const time = toDate(resource[field]);
    if (time) snapshot[field] = time;
  }
  // The service sends an empty Status ({code: 0}) on jobs that did not fail.
  if (error && (error.code || error.message)) snapshot.error = { code: Number(error.code ?? 0), message: String(error.message ?? '') };
  return snapshot;
}

function toDate(value: unknown): Date | undefined {
  if (!value) return undefined;
  if (typeof value === 'string') return new Date(value);
  const { seconds, nanos } = value as { seconds?: string | number | { toString(): string }; nanos?: number };
  if (seconds === undefined || seconds === null) return undefined;
  return new Date(Number(String(seconds)) * 1000 + Math.round((nanos ?? 0) / 1e6));
}
