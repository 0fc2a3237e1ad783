//! The command line: clap types only. Parsing into these is stage one; main.rs turns them into
//! validated names and options before anything connects.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::connection::ConnectOpts;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success: every check passes (verify), the database is correct (install), the store
     was removed (uninstall), status could be read
  1  checks fail: verify found differences, or install could not repair them (rolled back)
  2  bad input: unknown option, malformed connection string, invalid name, refused password,
     uninstall not confirmed (no --yes, or the typed schema name did not match)
  3  connection failed: host unreachable, TLS refused, authentication failed, no such database
  4  refused: the connected role lacks a privilege, or the names belong to something else
     (uninstall: the roles own or hold other objects, or the schema holds foreign objects)
  5  missing prerequisite: no pgTAP on the server, a PostgreSQL older than 13, or a
     read-only server (hot standby: only status runs there)
  6  lock timeout: another session held a needed lock too long; nothing was changed
  7  server error mid-run (connection lost, restart); nothing was committed
  8  internal error: a bug in connect-pg-admin (please report it); nothing was committed";

#[derive(Parser, Debug)]
#[command(
    name = "connect-pg-admin",
    version,
    about = "Installs, upgrades and verifies the PostgreSQL side of the connect-pg session store",
    long_about = "Installs, upgrades and verifies the PostgreSQL side of the connect-pg session store: \
                  schema, session table, SECURITY DEFINER functions, expiry trigger and a least-privilege \
                  application role. pgTAP checks decide what is missing; install repairs only that, in one \
                  transaction.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// Schema that holds the session store. The owner role is named <schema>_owner.
    #[arg(long, global = true, default_value = "web", value_name = "NAME")]
    pub schema: String,

    /// Login role the application connects as.
    #[arg(long, global = true, default_value = "nodepg", value_name = "NAME")]
    pub role: String,

    /// Output format of results on stdout (json and junit: see docs/design.md, "Output
    /// formats").
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// When to colour human output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only failures and errors: no progress, no summary of a success.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print passing checks and diagnostics too (-v), and the SQL of each step (-vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned lines for people.
    Human,
    /// TAP 13, as pgTAP produced it (any TAP consumer, e.g. `prove`, reads it).
    Tap,
    /// One JSON document, versioned by its "format_version" field.
    Json,
    /// JUnit XML, as GitLab, Jenkins and GitHub test reporters read it.
    Junit,
    /// GitHub Actions workflow commands: an `::error` annotation per failing check, titled with
    /// its name, and a one-line summary.
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the checks, apply the steps that repair what fails, re-check, and commit only when
    /// every check passes.
    Install(InstallArgs),
    /// Run the checks in a transaction that is rolled back; exit 1 if any fails.
    Verify(VerifyArgs),
    /// Summarize what is installed: schema, last change, checks, sessions, whether the
    /// application role can log in. Changes nothing.
    Status,
    /// Delete the expired sessions now. A distributed (Citus) store has no trigger that does
    /// it on write: run this from cron there (docs/scale-out.md). Harmless on a single node.
    Sweep(SweepArgs),
    /// Remove the schema, its objects and the roles the tool created. Asks for the schema name
    /// at a terminal; elsewhere needs --yes. Refuses when any of it is not the tool's.
    Uninstall(UninstallArgs),
    /// Print a shell completion script (source it, or install it where your shell looks).
    Completions(CompletionsArgs),
    /// Print the man page (roff) for connect-pg-admin(1).
    Man,
    /// Set the application role's password: asked twice at the terminal, or read from stdin
    /// or a file, or generated; hashed here (SCRAM-SHA-256), so the server never sees it.
    SetPassword(SetPasswordArgs),
    /// Connect as every other command would and print where the session landed
    /// (port|standby|user|database|tls); for comparing with psql (tests/connection_psql.rs).
    #[command(hide = true)]
    PrintTarget,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// How long the sweep may wait for a row an application transaction holds before it
    /// gives up (exit 6; nothing is deleted).
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Print the failing checks and the exact SQL of the steps that would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// How long one attempt of a step polls for its locks (it never queues for them, so the
    /// application is not held up) before it backs off and tries again.
    #[arg(long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,

    /// How many more attempts a step makes when its locks stay busy; then exit 6.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub lock_retries: u32,

    /// How long to wait for another run of the tool on the same schema.
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub wait: Duration,

    /// On a Citus coordinator: distribute a session table that already holds sessions (the
    /// store pauses while they are copied to the workers; see docs/scale-out.md).
    #[arg(long)]
    pub distribute: bool,

    #[command(flatten)]
    pub password: PasswordOpts,
}

#[derive(Args, Debug)]
pub struct SetPasswordArgs {
    #[command(flatten)]
    pub password: PasswordOpts,

    /// Also set until when the role may log in: a timestamp PostgreSQL reads (2027-06-30,
    /// '2027-06-30 12:00+00') or infinity. Without it, the role's VALID UNTIL stays as it is.
    #[arg(long, value_name = "TIMESTAMP|infinity")]
    pub valid_until: Option<String>,
}

/// Where the application role's new password comes from (never from an argument: argv is
/// visible to every user of the machine). set-password asks at the terminal when none is
/// given; install sets no password unless one is.
#[derive(Args, Debug, Clone, Default)]
pub struct PasswordOpts {
    /// Ask for the application role's password at the terminal, twice (set-password's default).
    #[arg(long, conflicts_with_all = ["password_stdin", "password_file", "generate"])]
    pub password_prompt: bool,

    /// Read the application role's password from standard input: one line, the newline
    /// stripped.
    #[arg(long, conflicts_with_all = ["password_file", "generate"])]
    pub password_stdin: bool,

    /// Read the application role's password from this file: one line, the newline stripped.
    #[arg(long, value_name = "PATH", conflicts_with = "generate")]
    pub password_file: Option<std::path::PathBuf>,

    /// Generate a strong random password (32 characters), set it, and print it on stdout,
    /// alone: everything else goes to stderr.
    #[arg(long)]
    pub generate: bool,

    /// After committing, log in as the application role with the new password (same host,
    /// port, database and TLS settings) to prove that it works.
    #[arg(long)]
    pub check_login: bool,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// How long verify may wait for a lock (only DDL running elsewhere can make it wait).
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// Do not ask: remove without a typed confirmation (for scripts and CI).
    #[arg(long)]
    pub yes: bool,

    /// Print what would be dropped, and what would make uninstall refuse; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// How long a drop may wait for a lock (the application's open transactions hold them).
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The usage rules clap's attributes cannot state (the format is a global option; whether
/// --check-login needs a password source depends on the command), checked right after parsing
/// and before anything connects: a violation is a usage error (exit 2) worded as clap's are,
/// and with --format json or junit it is reported in the run's document like any other error.
pub fn validate(cli: &Cli) -> Result<(), crate::error::Error> {
    let usage = |command: &str, message: &str| {
        Err(crate::error::Error::Usage(format!(
            "{message}; see 'connect-pg-admin {command} --help'"
        )))
    };
    match &cli.command {
        Command::Uninstall(_) if matches!(cli.format, Format::Tap | Format::Junit | Format::Github) => usage(
            "uninstall",
            "uninstall reports in --format human or json; tap, junit and github are for checks (verify, install, status)",
        ),
        Command::Sweep(_) if matches!(cli.format, Format::Tap | Format::Junit | Format::Github) => usage(
            "sweep",
            "sweep reports in --format human or json; tap, junit and github are for checks (verify, install, status)",
        ),
        Command::Install(args)
            if args.password.check_login
                && !(args.password.password_prompt
                    || args.password.password_stdin
                    || args.password.password_file.is_some()
                    || args.password.generate) =>
        {
            usage(
                "install",
                "install --check-login needs a password source (--password-prompt, --password-stdin, --password-file or --generate): install sets no password without one",
            )
        }
        _ => Ok(()),
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 500ms, 2s, 5m)"))
}
