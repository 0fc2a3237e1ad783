-- step citus.functions: set, get and destroy distributed by their sessid argument and
-- colocated with the session table: Citus pushes each call down to the worker holding that
-- session's shard, where it runs as one local statement. count_sessions and clear_sessions
-- stay on the coordinator, which runs them across every shard. create_distributed_function
-- on a function already distributed only rewrites its distribution, so this repairs drift.
SELECT pg_catalog.create_distributed_function(
           pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', :'schema', f.name, f.args)),
           'sessid',
           colocate_with := pg_catalog.format('%I.session', :'schema'))
  FROM (VALUES ('set_session_data', 'text, text, timestamptz'),
               ('get_session_data', 'text'),
               ('destroy_session', 'text')) AS f(name, args);
