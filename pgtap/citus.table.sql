-- description: The session table is hash-distributed on sess_id.
SELECT :"pgtap".is(
    (SELECT pg_catalog.format('method=%s column=%s', d.partmethod,
                              pg_catalog.column_to_column_name(d.logicalrelid, d.partkey))
       FROM pg_catalog.pg_dist_partition d
      WHERE d.logicalrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))),
    'method=h column=sess_id',
    :'description');
