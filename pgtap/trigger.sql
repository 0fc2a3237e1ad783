-- description: delete_expired_trig runs remove_expired() after each inserted or updated row, in the normal mode (not REPLICA, not ALWAYS).
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('%s %s for each %s executes %s enabled=%s',
                              CASE WHEN t.tgtype & 2 > 0 THEN 'before'
                                   WHEN t.tgtype & 64 > 0 THEN 'instead of' ELSE 'after' END,
                              pg_catalog.concat_ws(' or ',
                                   CASE WHEN t.tgtype & 4 > 0 THEN 'insert' END,
                                   CASE WHEN t.tgtype & 16 > 0 THEN 'update' END,
                                   CASE WHEN t.tgtype & 8 > 0 THEN 'delete' END,
                                   CASE WHEN t.tgtype & 32 > 0 THEN 'truncate' END),
                              CASE WHEN t.tgtype & 1 > 0 THEN 'row' ELSE 'statement' END,
                              t.tgfoid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.remove_expired()', :'schema')),
                              t.tgenabled = 'O')
       FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND t.tgname = 'delete_expired_trig'),
    'after insert or update for each row executes t enabled=t',
    :'description');
