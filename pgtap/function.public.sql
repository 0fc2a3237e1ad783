-- description: PUBLIC may not execute {function}.
SELECT :"pgtap".ok(
    NOT EXISTS (SELECT FROM pg_catalog.pg_proc p,
                       LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                 WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', :'schema', :'function', pg_catalog.array_to_string(:'args'::text[], ',')))
                   AND a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
    :'description');
