-- description: The session table has no trigger but delete_expired_trig (another can change or copy every session written).
-- Internal triggers (those of foreign keys) are the constraint's, not drift.
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(pg_catalog.format('%I executes %s', t.tgname, t.tgfoid::pg_catalog.regprocedure),
                                  ', ' ORDER BY t.tgname)
       FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND NOT t.tgisinternal
        AND t.tgname <> 'delete_expired_trig'),
    NULL,
    :'description');
