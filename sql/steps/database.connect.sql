-- step database.connect: the application role may connect to this database. Granted to the
-- application role alone: what PUBLIC may do is the database owner's decision.
DO $step$
BEGIN
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO %I', pg_catalog.current_database(), :'role');
END
$step$;
