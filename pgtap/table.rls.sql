-- description: Row-level security is neither enabled nor forced on the session table, and it has no policies (with them the application's writes fail or vanish).
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('enabled=%s forced=%s policies=%s',
                              c.relrowsecurity, c.relforcerowsecurity,
                              coalesce((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname)
                                          FROM pg_catalog.pg_policy p
                                         WHERE p.polrelid = c.oid), 'none'))
       FROM pg_catalog.pg_class c
      WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))),
    -- No table, nothing to exclude: the table check reports that.
    CASE WHEN pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')) IS NOT NULL
         THEN 'enabled=f forced=f policies=none' END,
    :'description');
