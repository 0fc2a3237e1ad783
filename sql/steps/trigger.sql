-- step trigger: removal of expired sessions runs after every write, row by row, so that its
-- work is bounded per write and no scheduler is needed.
-- lock: session table, ACCESS EXCLUSIVE (DROP TRIGGER)
-- runs as: the owner role (it alters the table)
DROP TRIGGER IF EXISTS delete_expired_trig ON :"schema".session;
CREATE TRIGGER delete_expired_trig
    AFTER INSERT OR UPDATE ON :"schema".session
    FOR EACH ROW EXECUTE FUNCTION :"schema".remove_expired();
