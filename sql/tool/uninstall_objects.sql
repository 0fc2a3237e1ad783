-- What uninstall would drop with the schema: every object that depends on it, directly or
-- through another object (everything DROP SCHEMA ... CASCADE would reach, in any schema), and
-- whether it is one connect-pg-admin creates. Uninstall refuses when any is not.
-- One row per object; `shown` marks the ones worth listing to a person (not the table's row
-- type, TOAST table, column default or primary-key constraint).
WITH RECURSIVE
ns AS (
    SELECT pg_catalog.to_regnamespace(:'schema')::oid AS oid
),
-- The session table, and install_history where install records what it changed.
tbl AS (
    SELECT c.oid, c.reltype, c.relname
      FROM pg_catalog.pg_class c, ns
     WHERE c.relnamespace = ns.oid AND c.relname IN ('session', 'install_history') AND c.relkind = 'r'
),
tool_functions AS (
    -- The contract's functions, as catalog.rs lists them (the `functions` variable).
    SELECT p::oid AS oid
      FROM pg_catalog.unnest(:'functions'::text[]) AS s(sig),
           LATERAL pg_catalog.to_regprocedure(pg_catalog.format('%I.', :'schema') || s.sig) AS p
     WHERE p IS NOT NULL
),
reach (classid, objid) AS (
    SELECT d.classid, d.objid
      FROM pg_catalog.pg_depend d, ns
     WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::regclass AND d.refobjid OPERATOR(pg_catalog.=) ns.oid
    UNION
    SELECT d.classid, d.objid
      FROM pg_catalog.pg_depend d
      JOIN reach r ON d.refclassid = r.classid AND d.refobjid = r.objid
     WHERE d.deptype IN ('n', 'a', 'i')
),
judged AS (
    SELECT r.classid, r.objid,
           CASE
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass THEN
                   EXISTS (SELECT FROM tbl WHERE tbl.oid = r.objid)
                   OR EXISTS (SELECT FROM pg_catalog.pg_index i, tbl
                               WHERE i.indexrelid = r.objid AND i.indrelid = tbl.oid AND tbl.relname = 'session'
                                 AND (i.indisprimary
                                      OR i.indexrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.expire_idx', :'schema'))))
                   OR EXISTS (SELECT FROM pg_catalog.pg_class c
                               WHERE c.oid OPERATOR(pg_catalog.=) r.objid AND c.relnamespace OPERATOR(pg_catalog.=) 'pg_toast'::regnamespace)
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::regclass THEN
                   EXISTS (SELECT FROM pg_catalog.pg_type t, tbl
                            WHERE t.oid = r.objid AND (t.oid = tbl.reltype OR t.typelem = tbl.reltype))
                   -- PostgreSQL 13 gives a TOAST table a row type too (14 stopped).
                   OR EXISTS (SELECT FROM pg_catalog.pg_type t
                                JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
                               WHERE t.oid OPERATOR(pg_catalog.=) r.objid AND c.relnamespace OPERATOR(pg_catalog.=) 'pg_toast'::regnamespace)
               -- p: the primary key; n: PostgreSQL 18 records NOT NULL as a constraint too.
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::regclass THEN
                   EXISTS (SELECT FROM pg_catalog.pg_constraint k, tbl
                            WHERE k.oid = r.objid AND k.conrelid = tbl.oid
                              AND (k.contype = 'n' OR (k.contype = 'p' AND tbl.relname = 'session')))
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::regclass THEN
                   EXISTS (SELECT FROM pg_catalog.pg_attrdef a, tbl
                            WHERE a.oid = r.objid AND a.adrelid = tbl.oid)
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_trigger'::regclass THEN
                   EXISTS (SELECT FROM pg_catalog.pg_trigger g, tbl
                            WHERE g.oid = r.objid AND g.tgrelid = tbl.oid AND tbl.relname = 'session'
                              -- An internal trigger belongs to something judged on its own
                              -- (a constraint), or to Citus (its truncate trigger).
                              AND (g.tgname = 'delete_expired_trig' OR g.tgisinternal))
               WHEN r.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::regclass THEN
                   r.objid IN (SELECT oid FROM tool_functions)
               ELSE false
           END AS tool
      FROM reach r
)
-- A view is reached through its rewrite rule: name the view.
SELECT COALESCE((SELECT pg_catalog.pg_describe_object('pg_catalog.pg_class'::regclass, w.ev_class, 0)
                   FROM pg_catalog.pg_rewrite w
                  WHERE j.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass AND w.oid OPERATOR(pg_catalog.=) j.objid AND w.rulename OPERATOR(pg_catalog.=) '_RETURN'),
                pg_catalog.pg_describe_object(j.classid, j.objid, 0)) AS object,
       j.tool,
       NOT j.tool
         OR j.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::regclass
         OR j.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_trigger'::regclass
         OR (j.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
             AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                              WHERE c.oid OPERATOR(pg_catalog.=) j.objid AND c.relnamespace OPERATOR(pg_catalog.=) 'pg_toast'::regnamespace)) AS shown
  FROM judged j
 ORDER BY j.tool DESC, 1
