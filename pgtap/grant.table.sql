-- description: The application role has no privilege on the session table, nor on any of its columns.
-- The privileges asked about are every one this server knows for a table, read from
-- acldefault() rather than listed: PostgreSQL 17 added MAINTAIN (VACUUM, ANALYZE, REINDEX,
-- LOCK TABLE), which pgTAP 1.2.0's table_privs_are() does not know and would let pass. A
-- column privilege (GRANT SELECT (sess_data) ...) is invisible to has_table_privilege, so the
-- column-level ones are asked about too.
SELECT :"pgtap".is(
    (SELECT CASE WHEN c.oid IS NULL THEN 'the session table is missing'
                 ELSE coalesce(pg_catalog.array_to_string(held.privileges, ', '), 'none') END
       FROM (SELECT pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')) AS oid) AS c
       LEFT JOIN LATERAL (
            SELECT pg_catalog.array_agg(x ORDER BY x) AS privileges
              FROM (SELECT p.privilege_type AS x
                      FROM pg_catalog.pg_class t,
                           LATERAL pg_catalog.aclexplode(pg_catalog.acldefault('r', t.relowner)) AS p
                     WHERE t.oid = c.oid
                       AND pg_catalog.has_table_privilege(:'role', t.oid, p.privilege_type)
                    UNION
                    SELECT p.privilege_type || ' on a column'
                      FROM (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('REFERENCES')) AS p(privilege_type)
                     WHERE pg_catalog.has_any_column_privilege(:'role', c.oid, p.privilege_type)
                       AND NOT pg_catalog.has_table_privilege(:'role', c.oid, p.privilege_type)) AS h) AS held ON true),
    'none',
    :'description');
