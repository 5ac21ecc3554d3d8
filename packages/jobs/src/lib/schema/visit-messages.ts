import { vertexSchema } from './vertex-schema.js';
import { isPlainObject, joinPath } from './well-known-types.js';

/** Called for every message object of a spec, with its full type name and field path. */
export type MessageVisitor = (type: string, value: Record<string, unknown>, path: string) => void;

/**
 * Walks a spec along the schema and calls `visit` for every message object in it, the root first. Parts of the
 * wrong shape are skipped (the validator reports them), so rules that look for, say, every MachineSpec of a
 * job need not guard against them.
 */
export function visitMessages(value: unknown, type: string, path: string, visit: MessageVisitor, ancestors = new Set<object>()): void {
  const message = vertexSchema().messages[type];
  if (!message || !isPlainObject(value) || ancestors.has(value)) return;
  ancestors.add(value);
  visit(type, value, path);
  for (const [key, field] of Object.entries(message.fields)) {
    const fieldValue = value[key];
    if (fieldValue === undefined || fieldValue === null || field.outputOnly) continue;
    if (!vertexSchema().messages[field.type]) continue;
    const fieldPath = joinPath(path, key);
    if (field.keyType) {
      if (!isPlainObject(fieldValue)) continue;
      for (const [mapKey, item] of Object.entries(fieldValue)) visitMessages(item, field.type, joinPath(fieldPath, mapKey), visit, ancestors);
    } else if (field.repeated) {
      if (!Array.isArray(fieldValue)) continue;
      fieldValue.forEach((item, index) => visitMessages(item, field.type, `${fieldPath}[${index}]`, visit, ancestors));
    } else {
      visitMessages(fieldValue, field.type, fieldPath, visit, ancestors);
    }
  }
  ancestors.delete(value);
}
