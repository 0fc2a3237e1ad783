-- step column.sess_data: sess_data exists and is text.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE)
DO $step$
DECLARE
    t regclass := pg_catalog.format('%I.session', :'schema')::regclass;
    typ regtype;
BEGIN
    SELECT atttypid::regtype INTO typ FROM pg_catalog.pg_attribute
     WHERE attrelid = t AND attname = 'sess_data' AND NOT attisdropped;
    IF typ IS NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN sess_data text', t);
    ELSIF typ OPERATOR(pg_catalog.<>) 'text'::regtype THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN sess_data TYPE text USING sess_data::text', t);
    END IF;
END
$step$;
