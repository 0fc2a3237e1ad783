-- description: The application role may execute exactly the five session functions in the schema, and no other function or relation there.
SELECT :"pgtap".is(
    (SELECT pg_catalog.array_to_string(pg_catalog.array_agg(x ORDER BY x), ', ')
       FROM (SELECT p.oid::regprocedure::text AS x
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace(:'schema')
                AND pg_catalog.has_function_privilege(:'role', p.oid, 'EXECUTE')
             UNION ALL
             SELECT c.oid::regclass::text
               FROM pg_catalog.pg_class c
              WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.to_regnamespace(:'schema')
                AND c.relkind IN ('r', 'v', 'm', 'S', 'f', 'p')
                -- Every privilege this server knows for the relation (acldefault: MAINTAIN
                -- from PostgreSQL 17 on), not a fixed list that a newer major outgrows.
                AND EXISTS (SELECT FROM pg_catalog.aclexplode(pg_catalog.acldefault(
                                            CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) AS p
                             WHERE CASE c.relkind
                                   WHEN 'S' THEN pg_catalog.has_sequence_privilege(:'role', c.oid, p.privilege_type)
                                   ELSE pg_catalog.has_table_privilege(:'role', c.oid, p.privilege_type) END)) AS held(x)),
    (SELECT pg_catalog.array_to_string(pg_catalog.array_agg(x ORDER BY x), ', ')
       FROM pg_catalog.unnest(:'granted_functions'::text[]) AS want(f),
            LATERAL (SELECT pg_catalog.to_regprocedure(pg_catalog.format('%I.', :'schema') || want.f)::text AS x) AS r),
    :'description');
