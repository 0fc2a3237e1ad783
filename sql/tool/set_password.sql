-- Gives the application role its password, as a SCRAM-SHA-256 verifier computed by the tool:
-- the server stores it as it is and never sees the password itself.
ALTER ROLE :"role" PASSWORD :'verifier';
