-- description: session.expiration defaults to one day from now.
-- The default's text, compared as text. Not pgTAP's col_default_is: it EXECUTEs a default that
-- does not look like a function call, and whoever holds the owner role may have written one
-- that calls their own code, which would run with the tool's privileges (tests/planted.rs).
SELECT :"pgtap".is(
    (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
       FROM pg_catalog.pg_attrdef d
       JOIN pg_catalog.pg_attribute a
         ON a.attrelid OPERATOR(pg_catalog.=) d.adrelid AND a.attnum OPERATOR(pg_catalog.=) d.adnum
      WHERE d.adrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND a.attname OPERATOR(pg_catalog.=) 'expiration' AND NOT a.attisdropped),
    '(now() + ''1 day''::interval)',
    :'description');
