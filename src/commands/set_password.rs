//! `set-password` (install/mod.rs uses its pieces for the same options on `install`): where the
//! application role's new password comes from (the terminal, asked twice; one line of stdin or of a
//! file; or generated), the rule that decides whether a role is the application role at all, and
//! the transaction that gives it the password. The password is hashed here into a SCRAM-SHA-256
//! verifier and only the verifier is sent, with statement logging turned off for it where the
//! connected role may; the plaintext never reaches argv, the server, its log, or pg_stat_activity.
//! See docs/design.md, "set-password".

use std::fmt;
use std::fs::File;
use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

use postgres::{Client, SimpleQueryMessage, Transaction};
use rand::Rng;

use crate::cli::PasswordOpts;
use crate::connection::Settings;
use crate::contract::template;
use crate::db;
use crate::db::session::Facts;
use crate::error::{one_line, Error, Result};
use crate::names::Names;

/// Longer than any password a person or a secret store uses; what exceeds it is almost
/// certainly the wrong file or stream.
pub const MAX_LEN: usize = 4096;

/// How long set-password waits for a session that holds the role's row (install uses its
/// --lock-timeout).
const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Length of a generated password.
pub const GENERATED_LEN: usize = 32;
/// No 0/O/o, 1/l/I: a generated password may be read aloud or typed from a screen. 56
/// symbols, so 32 of them carry about 186 bits.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// Where the new password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Prompt,
    Stdin,
    File(PathBuf),
    Generate,
}

impl Source {
    /// The source the options name; `default` when they name none (set-password prompts,
    /// install sets no password).
    pub fn from_opts(opts: &PasswordOpts, default: Option<Source>) -> Option<Source> {
        if opts.password_prompt {
            Some(Source::Prompt)
        } else if opts.password_stdin {
            Some(Source::Stdin)
        } else if let Some(path) = &opts.password_file {
            Some(Source::File(path.clone()))
        } else if opts.generate {
            Some(Source::Generate)
        } else {
            default
        }
    }
}

/// A new password and its verifier. Debug never shows either.
#[derive(Clone)]
pub struct NewPassword {
    plaintext: String,
    verifier: String,
    generated: bool,
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPassword")
            .field("generated", &self.generated)
            .finish_non_exhaustive()
    }
}

impl NewPassword {
    /// Checks the password and hashes it. postgres-protocol applies SASLprep first, as libpq
    /// and the server do, so a password with non-ASCII letters logs in as typed.
    pub fn new(plaintext: String, generated: bool) -> Result<NewPassword> {
        if plaintext.is_empty() {
            return Err(Error::Usage(
                "the password is empty; give a non-empty one (or use --generate); nothing was changed"
                    .into(),
            ));
        }
        if plaintext.len() > MAX_LEN {
            return Err(Error::Usage(format!(
                "the password is {} bytes long, more than {MAX_LEN}; is that the right input? nothing was changed",
                plaintext.len()
            )));
        }
        if plaintext.contains('\0') {
            return Err(Error::Usage(
                "the password contains a NUL byte, which no PostgreSQL client can send; nothing was changed"
                    .into(),
            ));
        }
        let verifier = postgres_protocol::password::scram_sha_256(plaintext.as_bytes());
        Ok(NewPassword {
            plaintext,
            verifier,
            generated,
        })
    }

    /// The password itself: for --generate's output and --check-login only.
    pub fn plaintext(&self) -> &str {
        &self.plaintext
    }

    pub fn generated(&self) -> bool {
        self.generated
    }
}

/// Fails early, before any password is typed or any connection changes anything, when the
/// source cannot work: no terminal to prompt on.
pub fn check_source(source: &Source) -> Result<()> {
    if *source == Source::Prompt {
        open_tty()?;
    }
    Ok(())
}

fn open_tty() -> Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| {
            Error::Usage(
                "no terminal to ask for the password on; pass it with --password-stdin or --password-file, or use --generate; nothing was changed"
                    .into(),
            )
        })
}

/// Reads (or generates) the new password from `source`.
pub fn read(source: &Source, role: &str) -> Result<NewPassword> {
    match source {
        Source::Prompt => prompt(role),
        Source::Stdin => {
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            let mut lock = stdin.lock();
            let line = read_line(&mut lock, "standard input", !interactive)?;
            NewPassword::new(line, false)
        }
        Source::File(path) => {
            let mut file = File::open(path).map_err(|e| file_error(path, &e))?;
            let mut reader = std::io::BufReader::new(&mut file);
            let line = read_line(
                &mut reader,
                &format!("--password-file {}", path.display()),
                true,
            )?;
            NewPassword::new(line, false)
        }
        Source::Generate => NewPassword::new(generate(), true),
    }
}

/// Refuses a password file that others may read, as libpq refuses ~/.pgpass: a regular file
/// (a symlink's target is what is judged) must have no group or other permission bits. Run
/// before connecting.
pub fn check_file_mode(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| file_error(path, &e))?;
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_file() && mode & 0o077 != 0 {
        return Err(Error::Usage(format!(
            "--password-file {} is readable or writable by group or others (mode {mode:04o}); a password file must be private, as libpq requires of ~/.pgpass: chmod 600 it (a symlink's target must be); nothing was changed",
            path.display()
        )));
    }
    Ok(())
}

fn file_error(path: &Path, e: &std::io::Error) -> Error {
    Error::Usage(format!(
        "cannot read --password-file {}: {}; nothing was changed",
        path.display(),
        one_line(&e.to_string())
    ))
}

/// One line, its `\n` or `\r\n` stripped. With `to_end`, whatever follows that line must be
/// nothing: a second line means the input is not what the user thinks it is.
fn read_line(reader: &mut dyn BufRead, what: &str, to_end: bool) -> Result<String> {
    let read_error = |e: std::io::Error| {
        Error::Usage(format!(
            "cannot read the password from {what}: {}; nothing was changed",
            one_line(&e.to_string())
        ))
    };
    let mut bytes = Vec::new();
    Read::take(&mut *reader, MAX_LEN as u64 + 2)
        .read_until(b'\n', &mut bytes)
        .map_err(read_error)?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    } else if bytes.len() > MAX_LEN {
        return Err(Error::Usage(format!(
            "the password in {what} is longer than {MAX_LEN} bytes; is that the right input? nothing was changed"
        )));
    }
    if to_end {
        let mut rest = [0u8; 1];
        let extra = reader.read(&mut rest).map_err(read_error)?;
        if extra > 0 {
            return Err(Error::Usage(format!(
                "{what} holds more than one line; give the password alone on one line; nothing was changed"
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::Usage(format!(
            "the password in {what} is not valid UTF-8; nothing was changed"
        ))
    })
}

fn prompt(role: &str) -> Result<NewPassword> {
    // Checked again here: the prompt would otherwise fail with rpassword's bare OS error.
    drop(open_tty()?);
    let ask = |text: &str| {
        rpassword::prompt_password(text).map_err(|e| {
            Error::Usage(format!(
                "no password was entered ({}); nothing was changed",
                one_line(&e.to_string())
            ))
        })
    };
    let first = ask(&format!("New password for role {role}: "))?;
    if first.is_empty() {
        return Err(Error::Usage(
            "the password is empty; type a non-empty one (or use --generate); nothing was changed"
                .into(),
        ));
    }
    let second = ask("Repeat the new password: ")?;
    if first != second {
        return Err(Error::Usage(
            "the two passwords typed differ; nothing was changed: run the command again".into(),
        ));
    }
    NewPassword::new(first, false)
}

/// 32 characters from ALPHABET, each drawn uniformly by the thread's CSPRNG (ChaCha, seeded
/// from the operating system).
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..GENERATED_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// What a password change did, for the report.
#[derive(Debug)]
pub struct Outcome {
    pub role: String,
    /// Set when the password was generated: it is printed, once, on stdout.
    pub generated: Option<String>,
    /// Whether statement logging was off for the ALTER ROLE (the connected role may change
    /// log_statement), on a Citus coordinator also on the workers (a superuser only); when
    /// not, a server log may hold the verifier, never the password.
    pub logging_suppressed: bool,
    /// The role's VALID UNTIL when it has passed: the server then refuses every password.
    pub expired: Option<String>,
    /// --check-login: None when not asked, else whether logging in worked.
    pub login: Option<std::result::Result<(), Error>>,
}

/// `set-password`: check the role first (so nobody types a password for a role that will be
/// refused), read the password, then in one transaction check again and set it.
pub fn set_password(
    client: &mut Client,
    settings: &Settings,
    facts: &Facts,
    names: &Names,
    opts: &PasswordOpts,
    valid_until: Option<&str>,
) -> Result<Outcome> {
    let source = Source::from_opts(opts, Some(Source::Prompt)).unwrap_or(Source::Prompt);
    check_source(&source)?;
    {
        let mut tx = db::begin(client)?;
        check_role(&mut tx, names)?;
        // Tried here, in a transaction that is rolled back, so that a value the server cannot
        // read is refused before anyone types a password.
        if let Some(until) = valid_until {
            set_valid_until(&mut tx, names, until)?;
        }
        db::rollback(tx)?;
    }
    let password = read(&source, &names.role)?;
    let mut tx = db::begin(client)?;
    // A CI job should fail, not hang, behind a session that holds the role's row.
    db::set_lock_timeout(&mut tx, LOCK_TIMEOUT)?;
    // Before set, whose own logging switch the coordinator's restored logging would undo.
    let workers_quiet = quiet_citus_workers(&mut tx, facts.superuser)?;
    let logging_suppressed = set(&mut tx, names, &password)? && workers_quiet;
    if let Some(until) = valid_until {
        set_valid_until(&mut tx, names, until)?;
    }
    let expired = expired(&mut tx, names)?;
    db::commit(tx, "committing the new password")?;
    Ok(finish(
        settings,
        names,
        &password,
        opts,
        (logging_suppressed, expired),
    ))
}

/// On Citus, keeps the verifier Citus propagates out of the workers' logs, as install does
/// (db::quiet_citus_workers), when the connected role may: returns whether the workers are
/// quiet (also when there are none). install has quieted its transaction already.
fn quiet_citus_workers(tx: &mut Transaction, superuser: bool) -> Result<bool> {
    let citus: bool = db::query_one(
        tx,
        tool_sql!("citus_present"),
        &[],
        "looking for the citus extension",
    )?
    .get(0);
    match (citus, superuser) {
        (false, _) => Ok(true),
        // Only a superuser may run the SET LOCALs: one refused would abort the transaction.
        (true, false) => Ok(false),
        (true, true) => db::quiet_citus_workers(tx).map(|()| true),
    }
}

/// `ALTER ROLE ... VALID UNTIL`; a value the server cannot read is bad input (exit 2).
fn set_valid_until(tx: &mut Transaction, names: &Names, until: &str) -> Result<()> {
    let sql = template::render(
        tool_sql!("valid_until"),
        &[("role", &names.role), ("valid_until", until)],
    )?;
    tx.batch_execute(&sql).map_err(|e| {
        if e.code().is_some_and(|c| c.code().starts_with("22")) {
            Error::Usage(format!(
                "--valid-until {until:?} is not a timestamp PostgreSQL reads; give one such as 2027-06-30 or '2027-06-30 12:00+00', or infinity; nothing was changed"
            ))
        } else {
            Error::from_db("setting VALID UNTIL", &e)
        }
    })
}

/// The role's VALID UNTIL when it has passed.
pub fn expired(tx: &mut Transaction, names: &Names) -> Result<Option<String>> {
    let sql = template::render(tool_sql!("role_expired"), &[("role", &names.role)])?;
    Ok(tx
        .query_opt(sql.as_str(), &[])
        .map_err(|e| Error::from_db("reading the role's VALID UNTIL", &e))?
        .map(|r| r.get("valid_until")))
}

/// What a password change did: the generated password, the logging note, whether the role
/// has expired and, with --check-login, whether logging in worked. `done`: whether logging was
/// off, and the role's VALID UNTIL if it has passed.
pub fn finish(
    settings: &Settings,
    names: &Names,
    password: &NewPassword,
    opts: &PasswordOpts,
    (logging_suppressed, expired): (bool, Option<String>),
) -> Outcome {
    Outcome {
        role: names.role.clone(),
        generated: password
            .generated()
            .then(|| password.plaintext().to_string()),
        logging_suppressed,
        login: opts
            .check_login
            .then(|| check_login(settings, &names.role, password, expired.as_deref())),
        expired,
    }
}

/// Checks the rule, turns statement logging off where it may, and sends the verifier. Returns
/// whether logging was off. The caller commits.
pub fn set(tx: &mut Transaction, names: &Names, password: &NewPassword) -> Result<bool> {
    check_role(tx, names)?;
    let quiet = suppress_logging(tx)?;
    let sql = template::render(
        tool_sql!("set_password"),
        &[("role", &names.role), ("verifier", &password.verifier)],
    )?;
    // The error names the role only: the server's message could quote the statement.
    tx.batch_execute(&sql).map_err(|e| match Error::from_db("setting the password", &e) {
        Error::Refused(_) => Error::Refused(format!(
            "the connected role may not change the password of role {}: connect as a superuser, or as a role with CREATEROLE (and, on PostgreSQL 16+, ADMIN OPTION on {}); nothing was changed",
            names.role, names.role
        )),
        Error::LockTimeout(_) => Error::LockTimeout(format!(
            "another session holds role {} locked (an open transaction that altered it?), so its password could not be set within the lock timeout; nothing was changed: run again when it has finished",
            names.role
        )),
        other => other,
    })?;
    Ok(quiet)
}

/// Best effort: a role that may not change the logging settings still gets its password set.
fn suppress_logging(tx: &mut Transaction) -> Result<bool> {
    let messages = tx
        .simple_query(tool_sql!("quiet_logging"))
        .map_err(|e| Error::from_db("turning statement logging off", &e))?;
    Ok(messages.iter().any(|m| match m {
        SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
        _ => false,
    }))
}

/// The rule (docs/design.md, "set-password"): the role must look exactly like the application
/// role install makes for this schema, so the tool cannot be pointed at `postgres` or another
/// administrator's role by mistake. A refusal is exit 4 and changes nothing.
pub fn check_role(tx: &mut Transaction, names: &Names) -> Result<()> {
    let row = db::query_one(
        tx,
        tool_sql!("app_role_rule"),
        &names.vars(),
        "looking up the role",
    )?;
    let role = &names.role;
    let schema = &names.schema;
    let not_ours = |why: String| {
        Error::Refused(format!(
            "role {role} {why}, so it is not the application role of schema {schema}; set-password only changes the password of the role install made (--role, --schema); nothing was changed"
        ))
    };
    if !row.get::<_, bool>("role_exists") {
        return Err(Error::Refused(format!(
            "role {role} does not exist; run `connect-pg-admin install --role {role}` first (it takes the same password options); nothing was changed"
        )));
    }
    let attributes: String = row.get("attributes");
    if !attributes.is_empty() {
        return Err(not_ours(format!("has {attributes}")));
    }
    if let Some(member_of) = row.get::<_, Option<String>>("member_of") {
        return Err(not_ours(format!("is a member of {member_of}")));
    }
    let owned: i32 = row.get("owned");
    if owned > 0 {
        return Err(not_ours(format!("owns {owned} object(s)")));
    }
    if !row.get::<_, bool>("function_exists") {
        return Err(Error::Refused(format!(
            "schema {schema} has no function get_session_data(text) in this database: run `connect-pg-admin install` first (or give the right --schema); nothing was changed"
        )));
    }
    let function_owner: Option<String> = row.get("function_owner");
    if function_owner.as_deref() != Some(names.owner.as_str()) {
        return Err(Error::Refused(format!(
            "{schema}.get_session_data is owned by {}, not {}: schema {schema} was not installed by connect-pg-admin; run install first; nothing was changed",
            function_owner.unwrap_or_default(),
            names.owner
        )));
    }
    if !row.get::<_, bool>("execute_granted") {
        return Err(not_ours(format!(
            "holds no EXECUTE on {schema}.get_session_data"
        )));
    }
    Ok(())
}

/// Logs in as the role with its new password, over the connection settings of this run.
/// The server answers an expired role's login exactly as a wrong password ("password
/// authentication failed"), so when the role's VALID UNTIL has passed the error names that.
fn check_login(
    settings: &Settings,
    role: &str,
    password: &NewPassword,
    expired: Option<&str>,
) -> std::result::Result<(), Error> {
    let committed = "the new password was set and committed, but logging in with it failed";
    let mut client = settings
        .connect_as(role, password.plaintext())
        .map_err(|e| match (e, expired) {
            (Error::Connection { target, .. }, Some(until)) => Error::Connection {
                target,
                reason: format!(
                    "role {role} has expired (VALID UNTIL {until}), so the server refuses every password for it ({committed}); give it a new date with set-password --valid-until TIMESTAMP|infinity"
                ),
            },
            (Error::Connection { target, reason }, None) => Error::Connection {
                target,
                reason: format!("{reason} ({committed})"),
            },
            (other, _) => other,
        })?;
    let user: String = client
        .query_one("SELECT current_user::text", &[])
        .map_err(|e| Error::from_db(committed, &e))?
        .get(0);
    if user != role {
        return Err(Error::Server(format!(
            "{committed}: the login became role {user}, not {role}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn line(input: &[u8], to_end: bool) -> Result<String> {
        read_line(&mut Cursor::new(input.to_vec()), "test input", to_end)
    }

    #[test]
    fn one_line_with_its_newline_stripped() {
        assert_eq!(line(b"secret\n", true).unwrap(), "secret");
        assert_eq!(line(b"secret\r\n", true).unwrap(), "secret");
        assert_eq!(line(b"secret", true).unwrap(), "secret");
        assert_eq!(line(b" a b \\ ' \"\n", true).unwrap(), " a b \\ ' \"");
        assert_eq!(line(b"", true).unwrap(), "");
    }

    #[test]
    fn a_second_line_is_refused_unless_reading_one_line_only() {
        assert!(matches!(line(b"one\ntwo\n", true), Err(Error::Usage(_))));
        assert!(matches!(line(b"one\n\n", true), Err(Error::Usage(_))));
        assert_eq!(line(b"one\ntwo\n", false).unwrap(), "one");
    }

    #[test]
    fn too_long_and_invalid_input_is_refused() {
        let long = vec![b'a'; MAX_LEN + 10];
        assert!(matches!(line(&long, true), Err(Error::Usage(_))));
        let mut exact = vec![b'a'; MAX_LEN];
        exact.push(b'\n');
        assert_eq!(line(&exact, true).unwrap().len(), MAX_LEN);
        assert!(matches!(line(b"\xff\xfe\n", true), Err(Error::Usage(_))));
        assert!(matches!(
            NewPassword::new(String::new(), false),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            NewPassword::new("a\0b".into(), false),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn verifier_is_scram_and_debug_shows_no_secret() {
        let p = NewPassword::new("hunter2".into(), false).unwrap();
        assert!(
            p.verifier.starts_with("SCRAM-SHA-256$4096:"),
            "{}",
            p.verifier
        );
        assert!(!p.verifier.contains("hunter2"));
        let debug = format!("{p:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("SCRAM"),
            "{debug}"
        );
    }

    #[test]
    fn generated_passwords_are_long_unambiguous_and_different() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), GENERATED_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        for ambiguous in ['0', 'O', 'o', '1', 'l', 'I'] {
            assert!(!ALPHABET.contains(&(ambiguous as u8)));
        }
        assert_eq!(ALPHABET.len(), 56);
    }
}
