-- What uninstall must know about one role before it drops it: whether it exists, whether
-- connect-pg-admin created it (install comments the roles it creates), and everything it owns
-- or holds beyond the session store in schema :'schema' of this database. pg_shdepend is
-- shared by the cluster, so this sees the role's objects and privileges in every database
-- (only described for this one: another database's catalogs cannot be read from here).
WITH
r AS (
    SELECT oid, rolname, rolsuper,
           pg_catalog.shobj_description(oid, 'pg_authid') AS comment
      FROM pg_catalog.pg_roles
     WHERE rolname = :'drop_role'
),
here AS (
    SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
),
ns AS (
    SELECT pg_catalog.to_regnamespace(:'schema')::oid AS oid
),
tbl AS (
    SELECT pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema'))::oid AS oid
    UNION ALL
    SELECT pg_catalog.to_regclass(pg_catalog.format('%I.install_history', :'schema'))::oid
),
tool_functions AS (
    -- The contract's functions, as catalog.rs lists them (the `functions` variable).
    SELECT p::oid AS oid
      FROM pg_catalog.unnest(:'functions'::text[]) AS s(sig),
           LATERAL pg_catalog.to_regprocedure(pg_catalog.format('%I.', :'schema') || s.sig) AS p
     WHERE p IS NOT NULL
),
-- The other databases where the role owns or holds something (a store there, when the roles
-- are shared): uninstall keeps the role for them and says so, rather than refusing. A
-- privilege on another database itself (a shared object) counts as that database's.
elsewhere AS (
    SELECT DISTINCT db.datname
      FROM pg_catalog.pg_shdepend d
      JOIN r ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::regclass AND d.refobjid OPERATOR(pg_catalog.=) r.oid
      CROSS JOIN here
      JOIN pg_catalog.pg_database db
        ON db.oid = CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_database'::regclass
                         THEN d.objid ELSE d.dbid END
     WHERE db.oid <> here.oid
),
foreign_deps AS (
    SELECT CASE d.deptype WHEN 'o' THEN 'owns ' ELSE 'holds privileges on ' END
           || pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS what
      FROM pg_catalog.pg_shdepend d
      JOIN r ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::regclass AND d.refobjid OPERATOR(pg_catalog.=) r.oid
      CROSS JOIN here
     WHERE (d.dbid = here.oid
            OR (d.dbid = 0 AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_database'::regclass
                                    AND d.objid <> here.oid)))
     -- CONNECT on this database is the store's (step database.connect); uninstall_role.sql
     -- revokes it before the drop.
       AND NOT (d.dbid = 0 AND d.deptype = 'a'
                AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_database'::regclass
                AND d.objid OPERATOR(pg_catalog.=) here.oid
                AND NOT EXISTS (SELECT FROM pg_catalog.pg_database x, pg_catalog.aclexplode(x.datacl) a
                                 WHERE x.oid OPERATOR(pg_catalog.=) here.oid AND a.grantee OPERATOR(pg_catalog.=) r.oid
                                   AND a.privilege_type <> 'CONNECT'))
       AND NOT (d.dbid = here.oid
            AND ((d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::regclass AND d.objid OPERATOR(pg_catalog.=) (SELECT oid FROM ns))
                  OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass AND d.objid IN (SELECT oid FROM tbl))
                  OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::regclass AND d.objid IN (SELECT oid FROM tool_functions))))
    UNION
    -- Memberships, except the one PostgreSQL 16+ gives the (non-superuser) role that created it.
    SELECT pg_catalog.format('is a member of role %s', m.roleid::regrole::text)
      FROM pg_catalog.pg_auth_members m JOIN r ON m.member = r.oid
    UNION
    SELECT pg_catalog.format('is granted to role %s', m.member::regrole::text)
      FROM pg_catalog.pg_auth_members m JOIN r ON m.roleid = r.oid
     WHERE m.member <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
)
SELECT (SELECT pg_catalog.count(*) FROM r) > 0 AS role_exists,
       COALESCE((SELECT comment LIKE 'connect-pg-admin:%' FROM r), false) AS created_by_tool,
       COALESCE((SELECT rolsuper FROM r), false) AS superuser,
       :'drop_role' IN (current_user, session_user) AS connected_as,
       ARRAY(SELECT what FROM foreign_deps ORDER BY 1) AS held,
       ARRAY(SELECT datname::text FROM elsewhere ORDER BY 1) AS elsewhere
