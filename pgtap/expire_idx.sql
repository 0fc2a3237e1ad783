-- description: The index expire_idx is a plain btree on session (expiration).
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('%s btree=%s unique=%s partial=%s valid=%s',
                              pg_catalog.pg_get_indexdef(i.indexrelid, 1, true),
                              am.amname = 'btree', i.indisunique, i.indpred IS NOT NULL, i.indisvalid)
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
       JOIN pg_catalog.pg_am am ON am.oid = c.relam
      WHERE i.indrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND c.relname = 'expire_idx' AND i.indnatts = 1),
    'expiration btree=t unique=f partial=f valid=t',
    :'description');
