-- Sessions that hold locks on the objects an install step touches (the schema's relations
-- and the catalog entries of its functions), for the message of a run that gave up waiting.
SELECT DISTINCT a.pid,
       coalesce(nullif(a.application_name, ''), '-') AS application_name,
       pg_catalog.date_trunc('second', pg_catalog.clock_timestamp() - coalesce(a.xact_start, a.query_start))::text AS held_for,
       pg_catalog.left(pg_catalog.regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 60) AS query
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.granted
   AND l.pid <> pg_catalog.pg_backend_pid()
   AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
   AND l.relation IN (SELECT c.oid FROM pg_catalog.pg_class c
                       WHERE c.relnamespace = pg_catalog.to_regnamespace(:'schema'))
 ORDER BY a.pid
