-- description: {function} runs the body this version of connect-pg-admin installs.
SELECT :"pgtap".is(
    (SELECT pg_catalog.md5(p.prosrc)
       FROM pg_catalog.pg_proc p
      WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', :'schema', :'function', pg_catalog.array_to_string(:'args'::text[], ',')))),
    pg_catalog.md5(:'body'),
    :'description');
