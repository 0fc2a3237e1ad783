//! `install`, from its options to its verdict: read the new password if one is asked for
//! (before the transaction, so no lock is held while someone types), then preflight, plan the
//! steps that repair what fails and apply them in one transaction (apply.rs), set the password
//! in that same transaction once every check passes, and look for connect-pg 1.1.x's installer
//! afterwards. The exit code comes from error.rs like every other.

pub mod apply;
pub mod plan;
pub mod preflight;

use postgres::{Client, Transaction};

use crate::cli::InstallArgs;
use crate::commands::set_password::{self, Source};
use crate::connection::Settings;
use crate::error::{exit, Result};
use crate::names::Names;

pub use apply::{AppliedStep, Installed};

/// Everything an install did, for the report and the exit code.
pub struct Done {
    pub installed: Installed,
    /// The password change, when a password option was given and the install committed.
    pub password: Option<set_password::Outcome>,
    /// connect-pg 1.1.x's installer functions still in the database (a note, not a result).
    pub leftovers: Vec<String>,
}

impl Done {
    pub fn exit_code(&self) -> i32 {
        exit::verdict(
            !matches!(self.installed, Installed::RolledBack { .. }),
            self.password.as_ref().and_then(|p| p.login.as_ref()),
        )
    }
}

pub fn run(
    client: &mut Client,
    settings: &Settings,
    names: &Names,
    args: &InstallArgs,
    progress: &dyn Fn(&str),
) -> Result<Done> {
    let opts = apply::Options {
        dry_run: args.dry_run,
        lock_timeout: args.lock_timeout,
        lock_retries: args.lock_retries,
        wait: args.wait,
        distribute: args.distribute,
    };
    // (--check-login without a source is refused before connecting: cli::validate.)
    let source = Source::from_opts(&args.password, None);
    // A dry run changes nothing, so it reads no password either.
    let (installed, password) = match source.filter(|_| !opts.dry_run) {
        None => (apply::install(client, names, &opts, progress, None)?, None),
        Some(source) => {
            set_password::check_source(&source)?;
            let password = set_password::read(&source, &names.role)?;
            let mut done = None;
            let mut set = |tx: &mut Transaction| -> Result<()> {
                let quiet = set_password::set(tx, names, &password)?;
                done = Some((quiet, set_password::expired(tx, names)?));
                Ok(())
            };
            let installed = apply::install(client, names, &opts, progress, Some(&mut set))?;
            let outcome = done
                .map(|done| set_password::finish(settings, names, &password, &args.password, done));
            (installed, outcome)
        }
    };
    // Only a note: the install is over whatever this finds, or fails to read.
    let leftovers = apply::legacy_leftovers(client, names).unwrap_or_default();
    Ok(Done {
        installed,
        password,
        leftovers,
    })
}
