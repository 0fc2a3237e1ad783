-- description: install_history exists with its columns, belongs to the owner role, and neither PUBLIC nor the application role may read or change it.
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('columns=%s owner=%s public=%s role=%s',
                (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attname)
                   FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname IN ('installed_at', 'installed_by', 'client_addr', 'application_name',
                                      'tool_version', 'failing_before', 'steps')),
                pg_catalog.pg_get_userbyid(c.relowner) = :'owner',
                -- Every table privilege this server knows (acldefault: MAINTAIN from
                -- PostgreSQL 17 on), as in grant_table.sql.
                EXISTS (SELECT FROM pg_catalog.aclexplode(pg_catalog.acldefault('r', c.relowner)) AS p
                         WHERE pg_catalog.has_table_privilege('public', c.oid, p.privilege_type)),
                EXISTS (SELECT FROM pg_catalog.aclexplode(pg_catalog.acldefault('r', c.relowner)) AS p
                         WHERE pg_catalog.has_table_privilege(:'role', c.oid, p.privilege_type))
                    OR pg_catalog.has_any_column_privilege(:'role', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
       FROM pg_catalog.pg_class c
      WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.install_history', :'schema'))),
    'columns=application_name text, client_addr inet, failing_before text[], installed_at timestamp with time zone, installed_by name, steps text[], tool_version text owner=t public=f role=f',
    :'description');
