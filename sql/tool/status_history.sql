-- The last install that changed the store, as install recorded it (sql/history.sql).
SELECT tool_version,
       pg_catalog.to_char(installed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"') AS installed_at,
       installed_by::text AS installed_by,
       pg_catalog.cardinality(steps) AS steps
  FROM :"schema".install_history
 ORDER BY installed_at DESC
 LIMIT 1
