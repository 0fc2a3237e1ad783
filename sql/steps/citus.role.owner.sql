-- step citus.role.owner: on Citus, count_sessions and clear_sessions run on the coordinator as
-- their owner, and Citus opens their connections to the workers as that role, so the owner
-- must be able to log in there. It gets a random password that nothing prints (two
-- gen_random_uuid(), 244 random bits), set on the role (Citus propagates the SCRAM verifier
-- to the workers) and kept in pg_dist_authinfo, which only superusers may read and from which
-- Citus authenticates its node-to-node connections (docs/scale-out.md).
DO $step$
DECLARE
    secret text := pg_catalog.md5(pg_catalog.gen_random_uuid()::text)
                   OPERATOR(pg_catalog.||) pg_catalog.md5(pg_catalog.gen_random_uuid()::text);
BEGIN
    DELETE FROM pg_catalog.pg_dist_authinfo a WHERE a.rolename OPERATOR(pg_catalog.=) :'owner';
    EXECUTE pg_catalog.format('ALTER ROLE %I LOGIN PASSWORD %L', :'owner', secret);
    INSERT INTO pg_catalog.pg_dist_authinfo (nodeid, rolename, authinfo)
    VALUES (0, :'owner', 'password=' OPERATOR(pg_catalog.||) secret);
END
$step$;
