-- step table.constraints: every write connect-pg makes is accepted and runs nobody's code: no
-- constraint but the primary key, no unique index and none with an expression or predicate
-- but the key's and expire_idx, no stored generated column, and no NOT NULL on sess_data,
-- expiration or a column connect-pg does not fill. A generated column becomes a plain one with
-- its values (no column is dropped, no session deleted). It runs before the column steps: a
-- CHECK, an index expression or a generated column can stop a column's type from changing, or
-- run during the rewrite. Each thing changed is named in the output.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE, DROP INDEX)
-- runs as: the owner role (it alters the table)
DO $step$
DECLARE
    t regclass := pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'));
    r record;
    done text[] := '{}';
BEGIN
    -- Dropping a UNIQUE or EXCLUDE constraint drops its index, and a foreign key its triggers.
    FOR r IN
        SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid, true) AS def
          FROM pg_catalog.pg_constraint c
         WHERE c.conrelid OPERATOR(pg_catalog.=) t
           AND c.contype IN ('c', 'f', 'u', 'x')
         ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, r.conname);
        done := done || pg_catalog.format('dropped constraint %I on %s: %s', r.conname, t, r.def);
    END LOOP;
    FOR r IN
        SELECT i.indexrelid::regclass AS idx, pg_catalog.pg_get_indexdef(i.indexrelid) AS def
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid OPERATOR(pg_catalog.=) t
           AND c.relname <> 'expire_idx'
           AND (i.indisunique OR i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                            WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid)
         ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('DROP INDEX %s', r.idx);
        done := done || pg_catalog.format('dropped index %s: %s', r.idx, r.def);
    END LOOP;
    FOR r IN
        SELECT a.attname, pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) AS expr
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid OPERATOR(pg_catalog.=) t
           AND a.attnum > 0 AND NOT a.attisdropped
           AND (a.attgenerated = 's'
                OR (a.attgenerated <> '' AND a.attname IN ('sess_id', 'sess_data', 'expiration')))
         ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION', t, r.attname);
        done := done || pg_catalog.format('made %I of %s a plain column (its values stay; %s is no longer run)',
                                          r.attname, t, r.expr);
    END LOOP;
    -- After the generated columns: one that was NOT NULL is now a plain column without a default.
    -- A column of the primary key keeps its NOT NULL; the primary_key step moves the key.
    FOR r IN
        SELECT a.attname
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) t
           AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
           AND (a.attname IN ('sess_data', 'expiration')
                OR (NOT a.atthasdef AND a.attidentity = '' AND a.attname <> 'sess_id'))
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                            WHERE k.conrelid = a.attrelid AND k.contype = 'p'
                              AND a.attnum = ANY (k.conkey))
         ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I DROP NOT NULL', t, r.attname);
        done := done || pg_catalog.format('dropped NOT NULL from %I of %s', r.attname, t);
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
