-- description: The application role has no default password (connect-pg 1.1.x's correct_web() gave it 'password').
-- The stored verifier is recomputed from the candidate 'password': md5('password' || name) for
-- an md5 verifier; for SCRAM-SHA-256, PBKDF2 over the stored salt and iteration count, then
-- the StoredKey (RFC 5802, RFC 7677), in plain SQL so that no extension is needed. Nothing of
-- the verifier leaves the server. pg_authid is readable by superusers only: any other role
-- gets a SKIP that says so, not a verdict.
DO $check$
DECLARE
    verifier text;
    parts text[];
    verdict text := 'unreadable';
    candidate bytea := pg_catalog.convert_to('password', 'UTF8');
    k bytea;
    ipad bytea;
    opad bytea;
    u bytea;
    acc bit(256);
    salted bytea := '\x'::bytea;
    client_key bytea;
BEGIN
    IF pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT') THEN
        SELECT a.rolpassword INTO verifier FROM pg_catalog.pg_authid a WHERE a.rolname = :'role';
        parts := pg_catalog.regexp_match(verifier,
            '^SCRAM-SHA-256\$(\d{1,9}):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):[A-Za-z0-9+/=]+$');
        IF verifier IS NULL THEN
            verdict := 'none';
        ELSIF parts IS NOT NULL AND parts[1]::int > 100000 THEN
            -- Far above any server default (4096): set on purpose after connect-pg, and too
            -- costly to recompute in a check.
            verdict := 'other';
        ELSIF verifier = 'md5' || pg_catalog.md5('password' || :'role') THEN
            verdict := 'default';
        ELSIF parts IS NULL THEN
            verdict := 'other';
        ELSE
            -- HMAC-SHA-256(key, m) = sha256((key xor opad) || sha256((key xor ipad) || m)),
            -- with the key zero-padded to one 64-byte block.
            k := candidate || pg_catalog.decode(pg_catalog.repeat('00', 64 - pg_catalog.length(candidate)), 'hex');
            ipad := k;
            opad := k;
            FOR i IN 0..63 LOOP
                ipad := pg_catalog.set_byte(ipad, i, pg_catalog.get_byte(k, i) # 54);
                opad := pg_catalog.set_byte(opad, i, pg_catalog.get_byte(k, i) # 92);
            END LOOP;
            -- PBKDF2: U1 = HMAC(password, salt || INT(1)), Ui = HMAC(password, Ui-1), xor of all.
            u := pg_catalog.sha256(opad || pg_catalog.sha256(
                     ipad || pg_catalog.decode(parts[2], 'base64') || '\x00000001'::bytea));
            acc := ('x' || pg_catalog.encode(u, 'hex'))::bit(256);
            FOR i IN 2..parts[1]::int LOOP
                u := pg_catalog.sha256(opad || pg_catalog.sha256(ipad || u));
                acc := acc # ('x' || pg_catalog.encode(u, 'hex'))::bit(256);
            END LOOP;
            FOR i IN 0..31 LOOP
                salted := salted || pg_catalog.decode(pg_catalog.lpad(pg_catalog.to_hex(
                              pg_catalog.substring(acc, i * 8 + 1, 8)::int), 2, '0'), 'hex');
            END LOOP;
            -- StoredKey = sha256(HMAC(SaltedPassword, 'Client Key')).
            k := salted || pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex');
            FOR i IN 0..63 LOOP
                ipad := pg_catalog.set_byte(ipad, i, pg_catalog.get_byte(k, i) # 54);
                opad := pg_catalog.set_byte(opad, i, pg_catalog.get_byte(k, i) # 92);
            END LOOP;
            client_key := pg_catalog.sha256(opad || pg_catalog.sha256(
                              ipad || pg_catalog.convert_to('Client Key', 'UTF8')));
            verdict := CASE WHEN pg_catalog.encode(pg_catalog.sha256(client_key), 'base64') = parts[3]
                            THEN 'default' ELSE 'other' END;
        END IF;
    END IF;
    PERFORM pg_catalog.set_config('connect_pg_admin.app_password', verdict, true);
END
$check$;
SELECT CASE pg_catalog.current_setting('connect_pg_admin.app_password')
       WHEN 'unreadable' THEN :"pgtap".skip('only a superuser can read password verifiers (pg_authid)', 1)
       ELSE :"pgtap".ok(pg_catalog.current_setting('connect_pg_admin.app_password') <> 'default', :'description')
       END;
