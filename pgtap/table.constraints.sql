-- description: The session table has no constraint but its primary key, and sess_data and expiration accept NULL (a CHECK, foreign key, UNIQUE or EXCLUDE constraint can reject every write or run someone's code on it; connect-pg writes a NULL expiration for a session without maxAge).
-- Constraint triggers are table.triggers'. A not-null constraint is named by its column.
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(o.what, ', ' ORDER BY o.what)
       FROM (SELECT pg_catalog.format('%I %s', c.conname, pg_catalog.pg_get_constraintdef(c.oid, true)) AS what
               FROM pg_catalog.pg_constraint c
              WHERE c.conrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
                AND c.contype IN ('c', 'f', 'u', 'x')
             UNION ALL
             SELECT pg_catalog.format('%I NOT NULL', a.attname)
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
                AND a.attname IN ('sess_data', 'expiration')
                AND a.attnotnull AND NOT a.attisdropped) o),
    NULL,
    :'description');
