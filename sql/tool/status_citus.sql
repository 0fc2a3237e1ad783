-- The session table's shards on a Citus coordinator (0 when it is not distributed).
SELECT pg_catalog.count(*) AS shards
  FROM pg_catalog.pg_dist_shard s
 WHERE s.logicalrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
