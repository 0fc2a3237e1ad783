//! connect-pg-admin: installs, upgrades and verifies the PostgreSQL side of the connect-pg
//! session store. This file only wires the pieces together and turns errors into exit codes.

/// The tool's own SQL, `sql/tool/<name>.sql`: one place knows where it lives, whichever
/// module includes it.
macro_rules! tool_sql {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sql/tool/",
            $name,
            ".sql"
        ))
    };
}

mod cli;
mod commands;
mod connection;
mod contract;
mod db;
mod error;
#[cfg(test)]
mod fuzz;
mod names;
mod report;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::{install, set_password, status, sweep, uninstall, verify};
use crate::error::{exit, Error, Result};
use crate::names::Names;

fn main() {
    // timings.total_ms counts from here.
    let started = std::time::Instant::now();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => parse_error(e),
    };
    report::set_color(cli.color);
    let mut ctx = report::Context::new(
        report::Run {
            command: command_name(&cli.command),
            target: String::new(),
            schema: cli.schema.clone(),
            role: cli.role.clone(),
            started,
        },
        report::Style {
            format: cli.format,
            quiet: cli.quiet,
            verbose: cli.verbose,
        },
    );
    let code = match run(&cli, &mut ctx) {
        Ok(code) => code,
        Err(e) => {
            ctx.fatal(&e);
            e.exit_code()
        }
    };
    std::process::exit(code);
}

/// Help and version go out as clap writes them; a usage error becomes one line, like every
/// other error, naming the command whose --help lists the options.
fn parse_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let command = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|u| {
            u.split_whitespace()
                .take_while(|w| !w.starts_with(['-', '[', '<']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "connect-pg-admin".to_string());
    let possible = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("[possible values: "))
        .map(|v| format!(" (possible values: {})", v.trim_end_matches(']')))
        .unwrap_or_default();
    report::error(&Error::Usage(format!(
        "{message}{possible}; see '{command} --help'"
    )));
    std::process::exit(exit::USAGE);
}

fn run(cli: &Cli, ctx: &mut report::Context) -> Result<i32> {
    match &cli.command {
        Command::Completions(args) => {
            report::completions(args.shell);
            return Ok(exit::OK);
        }
        Command::Man => {
            report::man()?;
            return Ok(exit::OK);
        }
        _ => {}
    }
    cli::validate(cli)?;
    let names = Names::new(&cli.schema, &cli.role)?;
    let password_file = match &cli.command {
        Command::Install(args) => args.password.password_file.as_ref(),
        Command::SetPassword(args) => args.password.password_file.as_ref(),
        _ => None,
    };
    if let Some(path) = password_file {
        set_password::check_file_mode(path)?;
    }
    let settings = connection::Settings::resolve(&cli.connect)?;
    ctx.set_target(settings.redacted());
    let on_command_line =
        cli.connect.dsn.is_some() && std::env::var("DATABASE_URL").ok() != cli.connect.dsn;
    if on_command_line && settings.password_in_connection_string() {
        report::warning("the password in --dsn is visible to every user of this machine while the command runs (ps, /proc/<pid>/cmdline); pass it in PGPASSWORD, ~/.pgpass or PGPASSFILE instead");
    }
    if let Command::PrintTarget = cli.command {
        let mut client = settings.connect()?;
        ctx.target_line(&connection::Settings::print_target(&mut client)?);
        return Ok(exit::OK);
    }
    let style = ctx.style;
    // set-password (and install --password-prompt) may prompt at the terminal: no spinner
    // over the prompt.
    let prompts = match &cli.command {
        Command::SetPassword(_) => true,
        Command::Install(args) => args.password.password_prompt,
        _ => false,
    };
    let progress = if prompts {
        report::Progress::none()
    } else {
        report::Progress::start("connecting", style)
    };
    let mut client = settings.connect()?;
    progress.set("running the checks");
    // Before any other statement: nothing another role configured may shape what follows.
    let facts = db::session::pin(&mut client, settings.options_set_role())?;
    if matches!(
        cli.command,
        Command::Install(_) | Command::SetPassword(_) | Command::Uninstall(_) | Command::Sweep(_)
    ) {
        facts.refuse_writes(command_name(&cli.command))?;
    }
    match &cli.command {
        Command::Verify(args) => {
            let outcome = verify::verify(&mut client, &facts, &names, args.lock_timeout)?;
            drop(progress);
            ctx.verify(&outcome);
            Ok(exit::verdict(outcome.all_pass(), None))
        }
        Command::Install(args) => {
            let done = install::run(&mut client, &settings, &names, args, &|msg| {
                progress.set(msg)
            })?;
            drop(progress);
            ctx.install(&done);
            Ok(done.exit_code())
        }
        Command::SetPassword(args) => {
            let outcome = set_password::set_password(
                &mut client,
                &settings,
                &facts,
                &names,
                &args.password,
                args.valid_until.as_deref(),
            )?;
            ctx.password(&outcome);
            Ok(exit::verdict(true, outcome.login.as_ref()))
        }
        Command::Status => {
            let status = status::status(
                &mut client,
                &facts,
                &names,
                std::time::Duration::from_secs(5),
            )?;
            drop(progress);
            ctx.status(&status);
            Ok(exit::OK)
        }
        Command::Sweep(args) => {
            let swept = sweep::sweep(&mut client, &names, args.lock_timeout)?;
            drop(progress);
            ctx.sweep(&swept);
            Ok(exit::OK)
        }
        Command::Uninstall(args) => run_uninstall(&mut client, &names, args, ctx, progress),
        Command::Completions(_) | Command::Man | Command::PrintTarget => Ok(exit::OK),
    }
}

/// Inspect, show, confirm, then drop: the confirmation is asked with no transaction open, and
/// `uninstall::uninstall` inspects again in the transaction that drops.
fn run_uninstall(
    client: &mut postgres::Client,
    names: &Names,
    args: &cli::UninstallArgs,
    ctx: &report::Context,
    progress: report::Progress,
) -> Result<i32> {
    progress.set("inspecting what uninstall would drop");
    let plan = uninstall::inspect(client, names)?;
    drop(progress);
    if args.dry_run {
        ctx.uninstall(&plan, false);
        return Ok(if plan.blockers().is_empty() {
            exit::OK
        } else {
            exit::REFUSED
        });
    }
    if plan.nothing_to_do() {
        ctx.uninstall(&plan, true);
        return Ok(exit::OK);
    }
    uninstall::refuse_if_blocked(&plan)?;
    if !args.yes {
        if !report::interactive() {
            return Err(Error::Usage(format!(
                "uninstall drops schema {} and every session in it: pass --yes to confirm (or run it at a terminal to be asked); --dry-run shows what it would drop",
                names.schema
            )));
        }
        match report::ask(&report::uninstall_question(&plan)) {
            Some(answer) if answer.trim() == names.schema => {}
            _ => {
                return Err(Error::Usage(format!(
                    "not confirmed (the answer was not {}); nothing was changed",
                    names.schema
                )))
            }
        }
    }
    let progress = report::Progress::start("dropping", ctx.style);
    let done = uninstall::uninstall(client, names, args.lock_timeout)?;
    drop(progress);
    ctx.uninstall(&done, true);
    Ok(exit::OK)
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Install(_) => "install",
        Command::Verify(_) => "verify",
        Command::SetPassword(_) => "set-password",
        Command::Status => "status",
        Command::Sweep(_) => "sweep",
        Command::Uninstall(_) => "uninstall",
        Command::Completions(_) => "completions",
        Command::Man => "man",
        Command::PrintTarget => "print-target",
    }
}

/// The text of a document between `begin` and the next `end` after it: the docs tests read
/// the tables and sections they hold the code to this way.
#[cfg(test)]
pub(crate) fn doc_section<'a>(doc: &'a str, begin: &str, end: &str) -> &'a str {
    let rest = doc
        .split_once(begin)
        .unwrap_or_else(|| panic!("the document has no {begin:?}"))
        .1;
    rest.split(end).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every file in sql/tool/ is run by some part of the tool: a query left behind by a change
    /// would still be linted and reviewed as if it mattered.
    #[test]
    fn every_tool_query_is_used() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        let source: String = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("a source file"))
            .collect();
        for entry in std::fs::read_dir(root.join("sql/tool")).expect("sql/tool is readable") {
            let path = entry.expect("directory entry").path();
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("a file name");
            assert!(
                source.contains(&format!("tool_sql!(\"{name}\")")),
                "sql/tool/{name}.sql is used nowhere in src/"
            );
        }
    }

    /// docs/design.md's "Map of the source" names every source file, so a file added or moved
    /// without saying what it owns fails here. A file counts as named when its path is in the
    /// map, or its directory is and its name is too (`keywords.rs`, `{install,status}.rs`);
    /// a directory's mod.rs and a module's tests.rs need only the directory.
    #[test]
    fn the_map_of_the_source_names_every_file() {
        let design = include_str!("../docs/design.md");
        let map = crate::doc_section(design, "## Map of the source", "\n## ");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        let missing: Vec<String> = files
            .iter()
            .map(|f| {
                f.strip_prefix(root)
                    .expect("under the crate")
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|path| {
                let (dir, name) = path.rsplit_once('/').expect("src/...");
                let stem = name.trim_end_matches(".rs");
                let dir_named = map.contains(&format!("`{dir}/"));
                let named = map.contains(&format!("`{path}`"))
                    || (dir_named
                        && (map.contains(&format!("`{name}`"))
                            || map.contains(&format!("{{{stem},"))
                            || map.contains(&format!(",{stem},"))
                            || map.contains(&format!(",{stem}}}"))
                            || name == "mod.rs"))
                    || name == "tests.rs";
                !named
            })
            .collect();
        assert!(
            missing.is_empty(),
            "docs/design.md, \"Map of the source\", does not name: {missing:?}"
        );
    }
}
