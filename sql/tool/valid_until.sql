-- set-password --valid-until: until when the application role may log in (a timestamp, or
-- infinity). The server parses the value, as it would in ALTER ROLE typed by hand.
ALTER ROLE :"role" VALID UNTIL :'valid_until';
