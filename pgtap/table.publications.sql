-- description: The session table is in no publication (logical replication ships every session to the subscriber); install reports this and leaves the publication to its owner.
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(p.pubname), ', ')
       FROM pg_catalog.pg_publication_tables p
      WHERE p.schemaname = :'schema' AND p.tablename = 'session'),
    NULL,
    :'description');
