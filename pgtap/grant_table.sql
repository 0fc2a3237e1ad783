-- description: The application role has no privilege on the session table.
-- The privileges asked about are every one this server knows for a table, read from
-- acldefault() rather than listed: PostgreSQL 17 added MAINTAIN (VACUUM, ANALYZE, REINDEX,
-- LOCK TABLE), which pgTAP 1.2.0's table_privs_are() does not know and would let pass.
SELECT is(
    (SELECT CASE WHEN c.oid IS NULL THEN 'the session table is missing'
                 ELSE coalesce(pg_catalog.array_to_string(held.privileges, ', '), 'none') END
       FROM (SELECT pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')) AS oid) AS c
       LEFT JOIN LATERAL (
            SELECT pg_catalog.array_agg(p.privilege_type ORDER BY p.privilege_type) AS privileges
              FROM pg_catalog.pg_class t,
                   LATERAL pg_catalog.aclexplode(pg_catalog.acldefault('r', t.relowner)) AS p
             WHERE t.oid = c.oid
               AND pg_catalog.has_table_privilege(:'role', t.oid, p.privilege_type)) AS held ON true),
    'none',
    :'description');
