-- description: The session table has no index but its primary key's and expire_idx that is unique, or has an expression or a predicate (a unique index rejects writes; an expression or predicate runs on every write).
-- The index of a UNIQUE or EXCLUDE constraint is the constraint's: table.constraints names it.
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ', ' ORDER BY c.relname)
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND c.relname <> 'expire_idx'
        AND (i.indisunique OR i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
        AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                         WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid)),
    NULL,
    :'description');
