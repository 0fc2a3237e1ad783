-- What a run needs to know about the server before it starts: its version, whether the
-- pgtap extension is installed (and where), whether that copy may be trusted, whether its
-- files are available to load, and whether the connected role is a superuser.
--
-- An installed pgTAP is trusted only when nothing in it, and nothing that could shadow it,
-- belongs to a role other than a superuser: its schema and every object of the extension
-- (pg_depend deptype 'e') are owned by superusers, no other role may CREATE in the schema,
-- and no other role owns anything there. Otherwise `pgtap_distrust` says why, and the checks
-- load a private copy instead (docs/security.md, "Running as superuser in a hostile database").
WITH ext AS (
    SELECT e.oid, e.extnamespace, n.nspname, n.nspowner
      FROM pg_catalog.pg_extension e
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
     WHERE e.extname OPERATOR(pg_catalog.=) 'pgtap'
),
supers AS (
    SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolsuper
),
-- Every object of the extension with its owner (casts have none: a cast's function is a
-- member and is judged instead).
members AS (
    SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS what,
           CASE
               WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
                   (SELECT p.proowner FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) d.objid)
               WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                   (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) d.objid)
               WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass THEN
                   (SELECT t.typowner FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) d.objid)
               WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass THEN
                   (SELECT o.oprowner FROM pg_catalog.pg_operator o WHERE o.oid OPERATOR(pg_catalog.=) d.objid)
               WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN
                   (SELECT s.nspowner FROM pg_catalog.pg_namespace s WHERE s.oid OPERATOR(pg_catalog.=) d.objid)
           END AS owner,
           d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_cast'::pg_catalog.regclass AS ownerless
      FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid OPERATOR(pg_catalog.=) ext.oid
       AND d.deptype OPERATOR(pg_catalog.=) 'e'
),
-- Everything in the extension's schema that a role other than a superuser owns: what could
-- shadow pgTAP's functions there, or be pgTAP's own functions replaced.
foreign_owned AS (
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, 0) AS what, p.proowner AS owner
      FROM pg_catalog.pg_proc p, ext WHERE p.pronamespace OPERATOR(pg_catalog.=) ext.extnamespace
    UNION ALL
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0), c.relowner
      FROM pg_catalog.pg_class c, ext WHERE c.relnamespace OPERATOR(pg_catalog.=) ext.extnamespace
    UNION ALL
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0), t.typowner
      FROM pg_catalog.pg_type t, ext WHERE t.typnamespace OPERATOR(pg_catalog.=) ext.extnamespace
    UNION ALL
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_operator'::pg_catalog.regclass, o.oid, 0), o.oprowner
      FROM pg_catalog.pg_operator o, ext WHERE o.oprnamespace OPERATOR(pg_catalog.=) ext.extnamespace
    UNION ALL
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_collation'::pg_catalog.regclass, l.oid, 0), l.collowner
      FROM pg_catalog.pg_collation l, ext WHERE l.collnamespace OPERATOR(pg_catalog.=) ext.extnamespace
    UNION ALL
    SELECT pg_catalog.pg_describe_object('pg_catalog.pg_conversion'::pg_catalog.regclass, v.oid, 0), v.conowner
      FROM pg_catalog.pg_conversion v, ext WHERE v.connamespace OPERATOR(pg_catalog.=) ext.extnamespace
),
distrust AS (
    SELECT pg_catalog.format('its schema %I belongs to %s, who is not a superuser',
                             ext.nspname, ext.nspowner::pg_catalog.regrole) AS why
      FROM ext WHERE ext.nspowner OPERATOR(pg_catalog.<>) ALL (SELECT oid FROM supers)
    UNION ALL
    SELECT pg_catalog.format('%s may CREATE in its schema %I', r.rolname, ext.nspname)
      FROM ext, pg_catalog.pg_roles r
     WHERE NOT r.rolsuper
       AND pg_catalog.has_schema_privilege(r.oid, ext.extnamespace, 'CREATE')
    UNION ALL
    SELECT pg_catalog.format('%s belongs to %s, who is not a superuser', m.what, m.owner::pg_catalog.regrole)
      FROM members m
     WHERE NOT m.ownerless
       AND (m.owner IS NULL OR m.owner OPERATOR(pg_catalog.<>) ALL (SELECT oid FROM supers))
    UNION ALL
    SELECT pg_catalog.format('%s in its schema belongs to %s, who is not a superuser', f.what, f.owner::pg_catalog.regrole)
      FROM foreign_owned f
     WHERE f.owner OPERATOR(pg_catalog.<>) ALL (SELECT oid FROM supers)
)
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       (SELECT ext.nspname FROM ext) AS pgtap_schema,
       (SELECT pg_catalog.string_agg(why, '; ' ORDER BY why)
          FROM (SELECT why FROM distrust ORDER BY why LIMIT 3) w) AS pgtap_distrust,
       EXISTS (SELECT FROM pg_catalog.pg_available_extensions a
                WHERE a.name OPERATOR(pg_catalog.=) 'pgtap') AS pgtap_available,
       (SELECT a.default_version FROM pg_catalog.pg_available_extensions a
         WHERE a.name OPERATOR(pg_catalog.=) 'pgtap') AS pgtap_version,
       (SELECT r.rolsuper FROM pg_catalog.pg_roles r
         WHERE r.rolname OPERATOR(pg_catalog.=) current_user) AS superuser,
       current_user AS current_user,
       EXISTS (SELECT FROM pg_catalog.pg_extension e
                WHERE e.extname OPERATOR(pg_catalog.=) 'citus') AS citus,
       pg_catalog.current_database() AS database
