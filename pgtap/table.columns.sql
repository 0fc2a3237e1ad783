-- description: Every column of the session table can be written by set_session_data: none is generated, and none but sess_id is NOT NULL without a default (a generated column runs its expression on every write; connect-pg fills only sess_id, sess_data and expiration).
-- An identity column fills itself. NOT NULL on sess_data and expiration is table.constraints'.
-- A virtual column (PostgreSQL 18) is computed only when read, and the store never reads one
-- it does not know; one of the contract's own columns rejects every write.
SELECT :"pgtap".is(
    (SELECT pg_catalog.string_agg(
                CASE WHEN a.attgenerated <> '' THEN pg_catalog.format('%I GENERATED AS (%s)', a.attname,
                                                                      pg_catalog.pg_get_expr(d.adbin, d.adrelid, true))
                     ELSE pg_catalog.format('%I NOT NULL without a default', a.attname) END,
                ', ' ORDER BY a.attname)
       FROM pg_catalog.pg_attribute a
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))
        AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.attgenerated = 's'
             OR (a.attgenerated <> '' AND a.attname IN ('sess_id', 'sess_data', 'expiration'))
             OR (a.attnotnull AND NOT a.atthasdef AND a.attidentity = ''
                 AND a.attname NOT IN ('sess_id', 'sess_data', 'expiration')))),
    NULL,
    :'description');
