import type mongoose from 'mongoose';

/**
 * A replacement of the document with this `_id`, written as a bulk-write statement that FerretDB
 * 1.24 can run many of in one command (issue 24). FerretDB keeps one PostgreSQL connection for each
 * statement of an update command that matched a document with `multi: false` until the whole command
 * has ended (handler/msg_update.go closes each statement's query in a `defer` inside its loop): a
 * bulk write that replaces 50 stored documents (its pool) waits for ever for a connection of its own,
 * and the whole database with it. With `multi: true` a statement reads its one match to the end and
 * the connection goes back at once. `_id` is unique, so updateMany changes the one document
 * replaceOne would; the model's fields the replacement lacks are unset, as a replacement drops them.
 */
/** Each model's top-level field names, read once from its schema (they never change while running). */
const fieldsOf = new WeakMap<mongoose.Model<never>, string[]>();
function topLevelFields(model: mongoose.Model<never>): string[] {
  let fields = fieldsOf.get(model);
  if (!fields) {
    fields = [...new Set(Object.keys(model.schema.paths).map((path) => path.split('.')[0] as string))].filter((f) => f !== '_id');
    fieldsOf.set(model, fields);
  }
  return fields;
}

export function replaceById(
  model: mongoose.Model<never>,
  _id: string,
  replacement: Record<string, unknown>,
  upsert: boolean,
): { updateMany: { filter: { _id: string }; update: Record<string, Record<string, unknown>>; upsert: boolean } } {
  const { _id: _ignored, ...fields } = replacement;
  const absent = topLevelFields(model).filter((name) => !(name in fields));
  const update: Record<string, Record<string, unknown>> = { $set: fields };
  if (absent.length) update.$unset = Object.fromEntries(absent.map((name) => [name, '']));
  return { updateMany: { filter: { _id }, update, upsert } };
}

/** An update of the document with this `_id` that lets FerretDB's connection go at once (see above). */
export function updateById(_id: string, update: Record<string, unknown>) {
  return { updateMany: { filter: { _id }, update } };
}
