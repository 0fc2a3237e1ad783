-- step column.sess_id: sess_id exists and is text.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE)
DO $step$
DECLARE
    t regclass := pg_catalog.format('%I.session', :'schema')::regclass;
    typ regtype;
BEGIN
    SELECT atttypid::regtype INTO typ FROM pg_catalog.pg_attribute
     WHERE attrelid = t AND attname = 'sess_id' AND NOT attisdropped;
    IF typ IS NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN sess_id text', t);
    ELSIF typ OPERATOR(pg_catalog.<>) 'text'::regtype THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN sess_id TYPE text USING sess_id::text', t);
    END IF;
END
$step$;
