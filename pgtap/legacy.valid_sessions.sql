-- description: connect-pg 1.1.x's valid_sessions() (superuser-owned, SECURITY DEFINER, reads every session) is gone; one with a body of your own may stay, owned by the owner role, not executable by PUBLIC.
-- The published body is recognized up to whitespace and case, so any 1.1.x release's copy is.
SELECT :"pgtap".ok(
    NOT EXISTS (
        SELECT FROM pg_catalog.pg_proc p
         WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure(pg_catalog.format('%I.valid_sessions()', :'schema'))
           AND (pg_catalog.btrim(pg_catalog.lower(pg_catalog.regexp_replace(p.prosrc, '\s+', ' ', 'g')))
                    = 'begin return query select * from web.session where expiration > now() or expiration is null; end;'
                OR p.proowner IS DISTINCT FROM (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = :'owner')
                OR EXISTS (SELECT FROM pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))),
    :'description');
