-- step role.owner.members: no role but a superuser is a member of the owner role, whose
-- members may read and change every session. Each membership revoked is named in the output.
DO $step$
DECLARE
    r record;
    done text[] := '{}';
BEGIN
    -- The one place where the SQL branches on the major. From PostgreSQL 16 on, a membership is
    -- one pg_auth_members row per grantor, and REVOKE removes only the row of the grantor it
    -- names (by default the current role, for a superuser the bootstrap superuser), merely
    -- warning about the others: each row is revoked GRANTED BY its own grantor. Before 16
    -- there is one row per membership, REVOKE removes it whoever granted it, and the grantor
    -- may be a role dropped since, which GRANTED BY could not name.
    FOR r IN
        SELECT m.roleid::pg_catalog.regrole AS granted, m.member::pg_catalog.regrole AS member,
               m.grantor::pg_catalog.regrole AS grantor
          FROM pg_catalog.pg_auth_members m
          JOIN pg_catalog.pg_roles x ON x.oid = m.member
         WHERE m.roleid OPERATOR(pg_catalog.=) pg_catalog.to_regrole(:'owner')
           AND NOT x.rolsuper
         ORDER BY 2, 3
    LOOP
        IF pg_catalog.current_setting('server_version_num')::int >= 160000 THEN
            EXECUTE pg_catalog.format('REVOKE %s FROM %s GRANTED BY %s', r.granted, r.member, r.grantor);
        ELSE
            EXECUTE pg_catalog.format('REVOKE %s FROM %s', r.granted, r.member);
        END IF;
        IF NOT pg_catalog.format('revoked membership of %s in %s', r.member, r.granted) OPERATOR(pg_catalog.=) ANY (done) THEN
            done := done || pg_catalog.format('revoked membership of %s in %s', r.member, r.granted);
        END IF;
    END LOOP;
    PERFORM pg_catalog.set_config('connect_pg_admin.done', pg_catalog.array_to_string(done, E'\n'), true);
END
$step$;
-- What the step did, one row per line of output.
SELECT pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.current_setting('connect_pg_admin.done'), E'\n'));
