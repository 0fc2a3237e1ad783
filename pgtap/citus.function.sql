-- description: {function} is distributed by its sessid argument and colocated with the session table, so each call runs on the worker holding that session.
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('argument=%s colocated=%s', o.distribution_argument_index,
                              o.colocationid OPERATOR(pg_catalog.=) d.colocationid)
       FROM pg_catalog.pg_dist_object o, pg_catalog.pg_dist_partition d
      WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
        AND o.objid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', :'schema', :'function', pg_catalog.array_to_string(:'args'::text[], ',')))
        AND d.logicalrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))),
    'argument=0 colocated=t',
    :'description');
