-- FerretDB 1.24 on PostgreSQL pushes an equality filter down as `_jsonb -> 'field' @> '"value"'`, but
-- the indexes it creates are btree indexes on `(_jsonb -> 'field')`, which cannot serve `@>`: every
-- find scans its table. For each such btree index on a top-level field, this adds a GIN
-- `jsonb_path_ops` twin on the same expression, which PostgreSQL uses for `@>` (a bitmap index scan).
-- An event trigger does it whenever FerretDB creates an index (a new collection's `_id`, a model's
-- declared index); the last statement catches up on indexes that already exist. Idempotent.
-- fastupdate is off so lookups never wade through a pending list on busy tables (sessions, tokens).
-- No twin for a field that is only ever bounded, sorted by or matched by a pattern (times, the audit
-- `event`): FerretDB pushes no range or regex down, so such a twin would serve nothing and cost every
-- insert and update of its table (three a login: the audit's `at` and `event`, the outbox's
-- `nextAttemptAt`); twins made for them before are dropped.

CREATE OR REPLACE FUNCTION public.cert_idp_unmirrored() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['at', 'event', 'nextAttemptAt', 'submittedAt']
$$;

CREATE OR REPLACE FUNCTION public.cert_idp_mirror_index(idx oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  tbl_name text;
  field text;
  k int;
BEGIN
  SELECT i.indrelid, c.relname INTO tbl, tbl_name
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am a ON a.oid = ic.relam
   WHERE i.indexrelid = idx AND a.amname = 'btree' AND c.relname <> '_ferretdb_database_metadata';
  IF tbl IS NULL THEN RETURN; END IF;
  FOR k IN 1 .. (SELECT indnkeyatts FROM pg_index WHERE indexrelid = idx) LOOP
    field := substring(pg_get_indexdef(idx, k, false) FROM '^\(?\(_jsonb -> ''([^'']+)''::text\)\)?$');
    CONTINUE WHEN field IS NULL OR field = ANY (public.cert_idp_unmirrored());
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops) WITH (fastupdate = off)',
      left(tbl_name, 40) || '_' || left(md5(field), 12) || '_gin', tbl, field);
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION public.cert_idp_mirror_new_indexes() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM public.cert_idp_mirror_index(created.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS cert_idp_mirror;
CREATE EVENT TRIGGER cert_idp_mirror ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION public.cert_idp_mirror_new_indexes();

SELECT count(public.cert_idp_mirror_index(i.indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');

DO $$
DECLARE
  twin record;
BEGIN
  FOR twin IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'i' AND right(c.relname, 17) IN (SELECT '_' || left(md5(f), 12) || '_gin' FROM unnest(public.cert_idp_unmirrored()) f)
  LOOP
    EXECUTE format('DROP INDEX %I.%I', twin.nspname, twin.relname);
  END LOOP;
END $$;
