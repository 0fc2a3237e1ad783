-- description: {function} pins search_path to the schema, then pg_temp.
SELECT :"pgtap".is(
    (SELECT pg_catalog.array_to_string(p.proconfig, ' ')
       FROM pg_catalog.pg_proc p
      WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', :'schema', :'function', pg_catalog.array_to_string(:'args'::text[], ',')))),
    pg_catalog.format('search_path=%s, pg_temp', pg_catalog.quote_ident(:'schema')),
    :'description');
