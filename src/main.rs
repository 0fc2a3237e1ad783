//! connect-pg-admin: installs, upgrades and verifies the PostgreSQL side of the connect-pg
//! session store. This file only wires the pieces together and turns errors into exit codes.

mod apply;
mod catalog;
mod checks;
mod cli;
mod connect;
mod conninfo;
mod error;
mod names;
mod password;
mod pgpass;
mod plan;
mod report;
mod template;
mod verify;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{exit, Error, Result};
use crate::names::Names;

fn main() {
    let cli = Cli::parse();
    let code = match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            report::error(&e);
            e.exit_code()
        }
    };
    std::process::exit(code);
}

fn run(cli: &Cli) -> Result<i32> {
    let names = Names::new(&cli.schema, &cli.role)?;
    let style = report::Style { format: cli.format, quiet: cli.quiet, verbose: cli.verbose };
    let settings = connect::Settings::resolve(&cli.connect)?;
    let mut client = settings.connect()?;
    client
        .batch_execute("SET standard_conforming_strings = on; SET client_min_messages = warning")
        .map_err(|e| Error::from_db("preparing the session", &e))?;
    match &cli.command {
        Command::Verify(args) => {
            let outcome = verify::verify(&mut client, &names, args.lock_timeout)?;
            report::verify(&outcome, style);
            Ok(if outcome.all_pass() { exit::OK } else { exit::CHECKS_FAILED })
        }
        Command::Install(args) => {
            let opts = apply::Options {
                dry_run: args.dry_run,
                lock_timeout: args.lock_timeout,
                lock_retries: args.lock_retries,
                wait: args.wait,
            };
            let (result, password) = password::install(
                &mut client,
                &settings,
                &names,
                &opts,
                &args.password,
                &|_msg| {},
            )?;
            report::install_with_password(&result, password.as_ref(), style);
            // Only a note: the install is over whatever this finds, or fails to read.
            let leftovers = apply::legacy_leftovers(&mut client, &names).unwrap_or_default();
            report::legacy_leftovers(&leftovers, style);
            Ok(match (result, password) {
                (apply::Installed::RolledBack { .. }, _) => exit::CHECKS_FAILED,
                (_, Some(password)) => password.exit_code(),
                _ => exit::OK,
            })
        }
        Command::SetPassword(args) => {
            let outcome = password::set_password(&mut client, &settings, &names, &args.password)?;
            report::password(&outcome, style);
            Ok(outcome.exit_code())
        }
    }
}
