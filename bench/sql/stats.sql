-- The session table at one moment: rows, rows expired as of :'at' (when the traffic stopped,
-- so that rows expiring after the last write are not counted as left behind), and its size.
SELECT count(*) AS rows,
       count(*) FILTER (WHERE expiration < :'at'::timestamptz) AS expired,
       pg_catalog.pg_table_size('web.session') AS table_bytes,
       pg_catalog.pg_indexes_size('web.session') AS index_bytes,
       (SELECT n_dead_tup FROM pg_catalog.pg_stat_user_tables WHERE relid = 'web.session'::regclass) AS dead
  FROM web.session;
