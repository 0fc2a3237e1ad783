//! What only a terminal gets: colour (decided once per process from `--color`, NO_COLOR and
//! whether the stream is a terminal), the spinner for work that can take more than a moment,
//! and the typed confirmation. CI logs, pipes and files get none of it.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ColorChoice;

use super::Style;

static COLOR: OnceLock<(bool, bool)> = OnceLock::new();

/// Decides colour for stdout and stderr. Called first thing in main; later calls are ignored.
pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set((
        wants_color(choice, std::io::stdout().is_terminal()),
        wants_color(choice, std::io::stderr().is_terminal()),
    ));
}

/// https://no-color.org: NO_COLOR present and not empty turns colour off, whatever its value;
/// `--color always` still wins, as in ls and grep. TERM=dumb cannot show it.
fn wants_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

#[derive(Clone, Copy)]
pub enum Paint {
    Green,
    Red,
    Bold,
}

fn paint(text: &str, how: Paint, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    let code = match how {
        Paint::Green => "32",
        Paint::Red => "31",
        Paint::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Paints text bound for stdout.
pub fn out(text: &str, how: Paint) -> String {
    paint(text, how, COLOR.get().is_some_and(|c| c.0))
}

/// Paints text bound for stderr.
pub fn err(text: &str, how: Paint) -> String {
    paint(text, how, COLOR.get().is_some_and(|c| c.1))
}

/// A spinner on stderr while something runs, for people at a terminal only: never in a pipe
/// or file, never with -q or a machine format. With -v and no terminal, each message is a
/// plain line on stderr instead, so a CI log shows where the time went. Cleared on drop.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Progress {
    /// No progress at all (a command that prompts, say).
    pub fn none() -> Progress {
        Progress {
            bar: None,
            lines: false,
        }
    }

    pub fn start(message: &str, style: Style) -> Progress {
        let human = style.format == crate::cli::Format::Human && !style.quiet;
        let terminal = std::io::stderr().is_terminal();
        let mut p = Progress {
            bar: None,
            lines: human && !terminal && style.verbose > 0,
        };
        if human && terminal {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(s) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(s);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            p.bar = Some(bar);
        }
        p.set(message);
        p
    }

    pub fn set(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_string());
        } else if self.lines {
            eprintln!("connect-pg-admin: {message}");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Whether a person can be asked: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Shows `question` on stderr and reads one line from stdin, without its newline; None at end
/// of input.
pub fn ask(question: &str) -> Option<String> {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(question.as_bytes());
    let _ = stderr.flush();
    drop(stderr);
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_and_always_ignore_the_terminal() {
        assert!(!wants_color(ColorChoice::Never, true));
        assert!(wants_color(ColorChoice::Always, false));
        assert!(!wants_color(ColorChoice::Auto, false));
    }

    #[test]
    fn paint_wraps_only_when_on() {
        assert_eq!(paint("ok", Paint::Green, false), "ok");
        assert_eq!(paint("ok", Paint::Green, true), "\x1b[32mok\x1b[0m");
    }
}
