-- description: The session table has no trigger and remove_expired() is gone: Citus distributes no table with a trigger.
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('triggers=%s remove_expired=%s',
                              (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger t
                                WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
                                  AND NOT t.tgisinternal),
                              pg_catalog.to_regprocedure(pg_catalog.format('%I.remove_expired()', :'schema')) IS NOT NULL)),
    'triggers=0 remove_expired=f',
    :'description');
