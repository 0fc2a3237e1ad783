-- Sessions that hold locks on the schema's relations (the session table first of all), for
-- the message of a run that gave up waiting: who (pid, application, user), how long their
-- transaction has been open, what it is doing, and when and with what command its last
-- query began. Only the command's first keyword (SELECT, UPDATE, ...), after any leading
-- comments: the text after it can hold literals (a password, session data) that must not end
-- up in a CI log. Anything that does not begin with a keyword shows as '-'.
SELECT a.pid,
       coalesce(nullif(a.application_name, ''), '-') AS application_name,
       coalesce(a.usename::text, '-') AS usename,
       coalesce(a.state, '-') AS state,
       coalesce(pg_catalog.date_trunc('second', pg_catalog.clock_timestamp() - coalesce(a.xact_start, a.query_start))::text, '-') AS held_for,
       coalesce(pg_catalog.to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '-') AS query_start,
       coalesce(pg_catalog.upper(pg_catalog.substring(
           pg_catalog.regexp_replace(coalesce(a.query, ''), '^(\s+|--[^\n]*(\n|$)|/\*([^*]|\*+[^*/])*\*+/)*', ''),
           '^([A-Za-z]{1,20})([^A-Za-z0-9_$]|$)')), '-') AS command,
       pg_catalog.string_agg(DISTINCT l.mode, ',' ORDER BY l.mode) AS modes
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.granted
   AND l.pid <> pg_catalog.pg_backend_pid()
   AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
   AND l.relation IN (SELECT c.oid FROM pg_catalog.pg_class c
                       WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace(:'schema'))
 GROUP BY a.pid, a.application_name, a.usename, a.state, a.xact_start, a.query_start, a.query
 ORDER BY a.pid
