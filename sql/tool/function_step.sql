-- step function.{name}: create or upgrade the function from its catalog entry
-- (src/contract/catalog.rs, FUNCTIONS) and its body (sql/steps/function.{name}.sql).
-- CREATE OR REPLACE cannot change a result type or argument names, so a function of this
-- signature that differs in those is dropped first, without CASCADE: install has already
-- refused to run when anything but the store's own trigger depends on it
-- (sql/tool/function_dependents.sql). That trigger is dropped here by name and made again
-- by the trigger step. (Only remove_expired() can have it, and a trigger function has neither
-- another result type nor argument names, so this drop does not happen in practice; the step
-- carries no table-lock marker for it.)
DO $step$
DECLARE
    f regprocedure := ({mismatch});
BEGIN
    IF f IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_trigger t
                    WHERE t.tgfoid OPERATOR(pg_catalog.=) f
                      AND t.tgname OPERATOR(pg_catalog.=) 'delete_expired_trig'
                      AND t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(pg_catalog.format('%I.session', :'schema')))
        THEN
            EXECUTE pg_catalog.format('DROP TRIGGER delete_expired_trig ON %I.session', :'schema');
        END IF;
        EXECUTE pg_catalog.format('DROP FUNCTION %s', f);
    END IF;
END
$step$;
CREATE OR REPLACE FUNCTION :"schema".{name}({params})
RETURNS {result}
LANGUAGE plpgsql {volatility} {security}
SET search_path = :"schema", pg_temp
AS {body};
ALTER FUNCTION :"schema".{name}({types}) OWNER TO :"owner";
REVOKE ALL ON FUNCTION :"schema".{name}({types}) FROM PUBLIC;
{app_privilege} ON FUNCTION :"schema".{name}({types}) {to_or_from} :"role";
