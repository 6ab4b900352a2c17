/**
 * A unique index refused the write. FerretDB 1.x on PostgreSQL answers an update that breaks a
 * unique index with an internal error carrying PostgreSQL's unique_violation (SQLSTATE 23505)
 * instead of MongoDB's code 11000 (inserts get 11000).
 */
export function isDuplicateKey(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: number; message?: string };
  return code === 11000 || /\(SQLSTATE 23505\)/.test(message ?? '');
}
