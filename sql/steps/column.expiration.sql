-- step column.expiration: expiration exists, is timestamptz, and defaults to a day from now.
-- A timestamp without time zone is read in the session's TimeZone, as PostgreSQL's own cast does.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE)
DO $step$
DECLARE
    t regclass := pg_catalog.format('%I.session', :'schema')::regclass;
    typ regtype;
BEGIN
    SELECT atttypid::regtype INTO typ FROM pg_catalog.pg_attribute
     WHERE attrelid = t AND attname = 'expiration' AND NOT attisdropped;
    IF typ IS NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN expiration timestamptz', t);
    ELSIF typ OPERATOR(pg_catalog.<>) 'timestamptz'::regtype THEN
        EXECUTE pg_catalog.format(
            'ALTER TABLE %s ALTER COLUMN expiration TYPE timestamptz USING expiration::timestamptz', t);
    END IF;
    EXECUTE pg_catalog.format(
        'ALTER TABLE %s ALTER COLUMN expiration SET DEFAULT now() + interval ''1 day''', t);
END
$step$;
