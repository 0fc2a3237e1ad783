-- step primary_key: sess_id is the primary key (and nothing else is). Fails, and so rolls the
-- install back, if sess_id holds duplicates or NULLs: those need a person's decision.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE)
-- runs as: the owner role (SET NOT NULL scans the table, and the key's index is built)
DO $step$
DECLARE
    t regclass := pg_catalog.format('%I.session', :'schema')::regclass;
    pk name;
BEGIN
    SELECT conname INTO pk FROM pg_catalog.pg_constraint WHERE conrelid = t AND contype = 'p';
    IF pk IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, pk);
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s ADD PRIMARY KEY (sess_id)', t);
END
$step$;
