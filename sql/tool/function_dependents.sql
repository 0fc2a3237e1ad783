-- What dropping the contract's function {signature} would take along, when the function step
-- must drop it (sql/tool/function_mismatch.sql): every object that depends on it, directly or
-- through other objects, as DROP ... CASCADE would find them in pg_depend. A view depends on
-- the function through its rewrite rule, which is internal to the view, and a materialized
-- view on that view depends on the view the same way; a column default, a check constraint,
-- an index expression, a trigger, a policy or another function's argument default depends
-- on the function directly. The store's own trigger (delete_expired_trig on the session
-- table) is not counted: the step drops it by name and the trigger step makes it again.
-- One row per dependent: what it is (schema-qualified) and its owner.
WITH RECURSIVE doomed AS (
    {mismatch}
),
walk(classid, objid) AS (
    SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, doomed.fn::pg_catalog.oid FROM doomed
    UNION
    -- What depends on a walked object, or what a walked object is part of (a rule is
    -- internal to its view: dropping the rule means dropping the view).
    SELECT CASE WHEN d.refclassid OPERATOR(pg_catalog.=) w.classid AND d.refobjid OPERATOR(pg_catalog.=) w.objid
                THEN d.classid ELSE d.refclassid END,
           CASE WHEN d.refclassid OPERATOR(pg_catalog.=) w.classid AND d.refobjid OPERATOR(pg_catalog.=) w.objid
                THEN d.objid ELSE d.refobjid END
      FROM walk w
      JOIN pg_catalog.pg_depend d
        ON (d.refclassid OPERATOR(pg_catalog.=) w.classid AND d.refobjid OPERATOR(pg_catalog.=) w.objid
            AND d.deptype IN ('n', 'a', 'i'))
        OR (d.classid OPERATOR(pg_catalog.=) w.classid AND d.objid OPERATOR(pg_catalog.=) w.objid
            AND d.deptype OPERATOR(pg_catalog.=) 'i')
),
-- Whose each object is: its own owner, or for what has none (a trigger, a default, a rule,
-- a policy, a constraint) the owner of the relation it belongs to, which it depends on
-- automatically or internally (an index, too, is its table's). Owners are recorded in
-- pg_shdepend, except the bootstrap superuser (oid 10), which is pinned and so never
-- recorded.
found AS (
    SELECT w.classid, w.objid,
           coalesce((SELECT s.refobjid FROM pg_catalog.pg_shdepend s
                      WHERE s.deptype OPERATOR(pg_catalog.=) 'o'
                        AND s.dbid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                                            WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
                        AND ((s.classid OPERATOR(pg_catalog.=) w.classid AND s.objid OPERATOR(pg_catalog.=) w.objid)
                             OR (s.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                 AND s.objid OPERATOR(pg_catalog.=) ANY (
                                     SELECT d.refobjid FROM pg_catalog.pg_depend d
                                      WHERE d.classid OPERATOR(pg_catalog.=) w.classid
                                        AND d.objid OPERATOR(pg_catalog.=) w.objid
                                        AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                        AND d.deptype IN ('a', 'i'))))
                      LIMIT 1),
                    10::pg_catalog.oid) AS owner  -- BOOTSTRAP_SUPERUSERID
      FROM walk w
     WHERE NOT (w.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                AND w.objid OPERATOR(pg_catalog.=) ANY (SELECT doomed.fn::pg_catalog.oid FROM doomed))
       -- The store's own trigger.
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                        WHERE w.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_trigger'::pg_catalog.regclass
                          AND t.oid OPERATOR(pg_catalog.=) w.objid
                          AND t.tgname OPERATOR(pg_catalog.=) 'delete_expired_trig'
                          AND t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')))
       -- A part of another object found (a view's rule): the object is named instead.
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d, walk o
                        WHERE d.classid OPERATOR(pg_catalog.=) w.classid AND d.objid OPERATOR(pg_catalog.=) w.objid
                          AND d.deptype OPERATOR(pg_catalog.=) 'i'
                          AND o.classid OPERATOR(pg_catalog.=) d.refclassid AND o.objid OPERATOR(pg_catalog.=) d.refobjid)
)
SELECT (SELECT doomed.fn::pg_catalog.text FROM doomed) AS dropped,
       pg_catalog.concat_ws(' ', i.type, i.identity) AS what,
       coalesce(pg_catalog.quote_ident(r.rolname), 'an unknown role') AS owner
  FROM found f
  CROSS JOIN LATERAL pg_catalog.pg_identify_object(f.classid, f.objid, 0) AS i
  LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) f.owner
 ORDER BY 2
