-- step legacy.valid_sessions: connect-pg 1.1.x's correct_web() left valid_sessions(), a
-- superuser-owned SECURITY DEFINER function that returns every live session; nothing of the
-- contract calls it. Its published body is dropped (without CASCADE: should anything depend
-- on it, the install stops and says what). A body that differs is someone's own work and
-- stays, but with the owner role's rights instead of a superuser's, and not for PUBLIC.
DO $step$
DECLARE
    f regprocedure := pg_catalog.to_regprocedure(pg_catalog.format('%I.valid_sessions()', :'schema'));
BEGIN
    IF f IS NULL THEN
        RETURN;
    END IF;
    IF (SELECT pg_catalog.btrim(pg_catalog.lower(pg_catalog.regexp_replace(p.prosrc, '\s+', ' ', 'g')))
          FROM pg_catalog.pg_proc p WHERE p.oid = f)
       = 'begin return query select * from web.session where expiration > now() or expiration is null; end;'
    THEN
        EXECUTE pg_catalog.format('DROP FUNCTION %s', f);
    ELSE
        EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO %I', f, :'owner');
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END IF;
END
$step$;
