-- What install must know before it changes anything (docs/security.md, "What install refuses
-- to take over"): whether the connected role may create what is missing, whether schema
-- :'schema' holds objects that are not the session store's, and whether the roles :'role' and
-- :'owner' already exist as someone else's. One row, whatever exists.
--
-- "Outside" below means: a dependency recorded in pg_shdepend on an object of this database
-- that is neither the schema :'schema' nor inside it, or on a shared object (a database other
-- than by a privilege, a tablespace, a parameter). Objects of other databases cannot be
-- inspected from here: an application role may legitimately serve the session stores of
-- several databases, so only their count of owned objects is looked at (the application role
-- never owns anything).
WITH me AS (
    SELECT r.rolsuper, r.rolcreaterole
      FROM pg_catalog.pg_roles r
     WHERE r.rolname = current_user
),
ns AS (
    SELECT n.oid, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment
      FROM pg_catalog.pg_namespace n
     WHERE n.nspname = :'schema'
),
-- Every object that lives in the schema (indexes, constraints, triggers and row types belong
-- to their table and have no entry of their own), minus what connect-pg's own correct_web()
-- left there: the table session, if its columns are connect-pg's, and connect-pg's functions.
foreign_objects AS (
    SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS what
      FROM pg_catalog.pg_depend d, ns
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
       AND d.refobjid = ns.oid
       AND d.deptype = 'n'
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_class c
            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
              AND c.oid = d.objid
              AND c.relname = 'session'
              AND c.relkind IN ('r', 'p')
              AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                 AND a.attname NOT IN ('sess_id', 'sess_data', 'expiration')))
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_proc p
            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
              AND p.oid = d.objid
              AND p.proname IN ('set_session_data', 'get_session_data', 'destroy_session',
                                'clear_sessions', 'count_sessions', 'remove_expired',
                                'valid_sessions', 'all_session_ids'))
),
roles AS (
    SELECT which, r.oid, r.rolsuper, r.rolcanlogin,
           pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment
      FROM (VALUES ('role', :'role'), ('owner', :'owner')) AS w(which, name)
      JOIN pg_catalog.pg_roles r ON r.rolname = w.name
),
-- The schemas this tool made (their marker is set by sql/schema.sql).
stores AS (
    SELECT n.nspname FROM pg_catalog.pg_namespace n
     WHERE pg_catalog.obj_description(n.oid, 'pg_namespace')
           = 'connect-pg session store, managed by connect-pg-admin'
),
-- What each existing role owns, may use or is named in outside the session store. Objects of
-- this database are identified only here (pg_identify_object cannot see other databases').
deps AS (
    SELECT r.which, d.deptype, d.classid, d.objid, d.objsubid,
           d.dbid = (SELECT oid FROM pg_catalog.pg_database
                      WHERE datname = pg_catalog.current_database()) AS here,
           d.dbid = 0 AS shared
      FROM roles r
      JOIN pg_catalog.pg_shdepend d
        ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::pg_catalog.regclass AND d.refobjid OPERATOR(pg_catalog.=) r.oid
     WHERE d.deptype <> 'p'
),
outside AS (
    SELECT which,
           CASE WHEN NOT here AND NOT shared THEN 'owns objects in another database'
                ELSE pg_catalog.concat_ws(' ',
                         CASE deptype WHEN 'o' THEN 'owns' WHEN 'a' THEN 'holds privileges on'
                                      WHEN 'r' THEN 'is named in' ELSE 'depends on' END,
                         pg_catalog.pg_describe_object(classid, objid, objsubid)) END AS what
      FROM (SELECT deps.*,
                   CASE WHEN here THEN (pg_catalog.pg_identify_object(classid, objid, objsubid)).schema END
                       AS in_schema,
                   CASE WHEN here THEN (pg_catalog.pg_identify_object(classid, objid, objsubid)).type END
                       AS kind,
                   CASE WHEN here THEN (pg_catalog.pg_identify_object(classid, objid, objsubid)).identity END
                       AS identity
              FROM deps) o
     WHERE (here
            -- In this schema, or in another session store of this database: one application
            -- role may serve several.
            AND NOT coalesce(in_schema = :'schema' OR in_schema IN (SELECT nspname FROM stores), false)
            AND NOT coalesce(kind = 'schema'
                             AND (identity = pg_catalog.quote_ident(:'schema')
                                  OR identity IN (SELECT pg_catalog.quote_ident(nspname) FROM stores)),
                             false))
        -- Shared objects: CONNECT or TEMPORARY on a database is what any application role
        -- needs; owning a database or tablespace, or any other shared privilege, is not.
        OR (shared AND NOT (classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_database'::pg_catalog.regclass
                            AND deptype = 'a'))
        OR (which = 'role' AND deptype = 'o' AND NOT here AND NOT shared)
),
member_of AS (
    SELECT r.which, pg_catalog.string_agg(m.roleid::pg_catalog.regrole::text, ', '
                                          ORDER BY m.roleid::pg_catalog.regrole::text) AS roles
      FROM roles r
      JOIN pg_catalog.pg_auth_members m ON m.member = r.oid
     -- Membership of the application role in the owner role is drift that install revokes.
     WHERE NOT (r.which = 'role' AND m.roleid::pg_catalog.regrole::text = pg_catalog.quote_ident(:'owner'))
     GROUP BY r.which
)
SELECT current_user::text AS connected_user,
       -- Install repairs objects that belong to the owner role: a role that is not a
       -- superuser can do that only as a member of it (owning the database is not enough).
       coalesce((SELECT pg_catalog.pg_has_role(r.oid, 'USAGE') FROM roles r WHERE which = 'owner'), false)
           AS member_of_owner,
       coalesce((SELECT d.datdba OPERATOR(pg_catalog.=) (SELECT m.oid FROM pg_catalog.pg_roles m
                                                          WHERE m.rolname OPERATOR(pg_catalog.=) current_user)
                   FROM pg_catalog.pg_database d
                  WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()), false)
           AS owns_database,
       -- The session table exists with a sess_id column that is not its primary key: then
       -- sess_id may hold duplicates or NULLs, which the primary_key step cannot key
       -- (preflight.rs then reads them with sql/tool/duplicate_ids.sql).
       EXISTS (SELECT FROM pg_catalog.pg_attribute a
                 JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) a.attrelid
                 JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) t.relnamespace
                -- By name, not to_regclass: that needs USAGE on the schema, which the
                -- database owner may lack (it is then told what it lacks, below).
                WHERE tn.nspname OPERATOR(pg_catalog.=) :'schema' AND t.relname OPERATOR(pg_catalog.=) 'session'
                  AND a.attname = 'sess_id' AND NOT a.attisdropped
                  AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
                                   WHERE c.conrelid = a.attrelid AND c.contype = 'p'
                                     AND c.conkey = ARRAY[a.attnum]))
           AS ids_unkeyed,
       coalesce((SELECT rolsuper FROM me), false) AS superuser,
       coalesce((SELECT rolsuper OR rolcreaterole FROM me), false) AS can_create_role,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS can_create_schema,
       EXISTS (SELECT FROM ns) AS schema_exists,
       coalesce((SELECT comment = 'connect-pg session store, managed by connect-pg-admin' FROM ns), false)
           AS schema_marked,
       (SELECT pg_catalog.count(*)::int FROM foreign_objects) AS foreign_count,
       (SELECT pg_catalog.string_agg(what, ', ' ORDER BY what)
          FROM (SELECT what FROM foreign_objects ORDER BY what LIMIT 5) f) AS foreign_objects,
       EXISTS (SELECT FROM roles WHERE which = 'role') AS role_exists,
       coalesce((SELECT rolsuper FROM roles WHERE which = 'role'), false) AS role_superuser,
       (SELECT roles FROM member_of WHERE which = 'role') AS role_member_of,
       (SELECT pg_catalog.count(*)::int FROM outside WHERE which = 'role') AS role_outside_count,
       (SELECT pg_catalog.string_agg(what, ', ' ORDER BY what)
          FROM (SELECT what FROM outside WHERE which = 'role' ORDER BY what LIMIT 3) o) AS role_outside,
       EXISTS (SELECT FROM roles WHERE which = 'owner') AS owner_exists,
       coalesce((SELECT comment = 'connect-pg-admin: owner of the connect-pg session schema'
                   FROM roles WHERE which = 'owner'), false) AS owner_marked,
       coalesce((SELECT rolsuper FROM roles WHERE which = 'owner'), false) AS owner_superuser,
       coalesce((SELECT rolcanlogin FROM roles WHERE which = 'owner'), false) AS owner_login,
       (SELECT roles FROM member_of WHERE which = 'owner') AS owner_member_of,
       (SELECT pg_catalog.count(*)::int FROM outside WHERE which = 'owner') AS owner_outside_count,
       (SELECT pg_catalog.string_agg(what, ', ' ORDER BY what)
          FROM (SELECT what FROM outside WHERE which = 'owner' ORDER BY what LIMIT 3) o) AS owner_outside
