-- What connect-pg 1.1.x's session_install.sql left outside the session schema: its installer
-- correct_web(), failed_test(), its test helpers and its test_web_* pgTAP suite, as plain
-- functions (usually in public). They are not the tool's to drop: they live in a schema it
-- does not manage, and someone may have made them theirs. install names them instead, and
-- docs/upgrade.md says how to remove them (correct_web() run again would undo the upgrade).
SELECT pg_catalog.format('%I.%I', n.nspname, p.proname) AS function
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE (p.proname IN ('correct_web', 'failed_test', 'setup_10_web', 'new_session_id', 'create_test_session')
        OR p.proname LIKE 'test\_web\_%')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname <> :'schema'
 ORDER BY p.proname LIKE 'test\_web\_%', 1
