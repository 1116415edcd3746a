//! What a deploy shows: lines on stdout (plain in CI and pipes, coloured on a terminal),
//! warnings on stderr, one progress bar per running stack on an interactive stderr, and
//! yes/no questions on a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A colour for a piece of text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tone {
    /// Success, additions.
    Good,
    /// Failures, removals.
    Bad,
    /// In progress, modifications.
    Busy,
    /// Needs attention: replacements, broadening.
    Alert,
    /// Headings.
    Strong,
    /// Less important text.
    Dim,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Good => "32",
            Tone::Bad => "31",
            Tone::Busy => "33",
            Tone::Alert => "1;35",
            Tone::Strong => "1",
            Tone::Dim => "2",
        }
    }

    /// The tone of a CloudFormation status.
    pub fn of_status(status: &str) -> Tone {
        if status.contains("FAILED") || status.contains("ROLLBACK") {
            Tone::Bad
        } else if status.ends_with("IN_PROGRESS") {
            Tone::Busy
        } else {
            Tone::Good
        }
    }
}

/// The terminal (or the pipe) a deploy talks to.
pub struct Ui {
    color: bool,
    interactive: bool,
    bars: Option<MultiProgress>,
    captured: Option<Arc<Mutex<Vec<String>>>>,
    answer: Option<bool>,
    question: tokio::sync::Mutex<()>,
}

fn env_allows_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
        && std::env::var_os("CI").is_none()
}

impl Ui {
    /// Colour when stdout is a terminal (and neither `NO_COLOR`, `TERM=dumb` nor `CI` is
    /// set); progress bars when stderr is one; questions when stdin is one too.
    pub fn detect() -> Ui {
        let stderr_tty = std::io::stderr().is_terminal() && env_allows_color();
        Ui {
            color: std::io::stdout().is_terminal() && env_allows_color(),
            interactive: stderr_tty && std::io::stdin().is_terminal(),
            bars: stderr_tty.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            captured: None,
            answer: None,
            question: tokio::sync::Mutex::new(()),
        }
    }

    /// A UI that records every line instead of printing it (for tests); `answer` is what
    /// the user would answer to every question (`None`: no terminal).
    pub fn capture(answer: Option<bool>) -> (Ui, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let ui = Ui {
            color: false,
            interactive: answer.is_some(),
            bars: None,
            captured: Some(lines.clone()),
            answer,
            question: tokio::sync::Mutex::new(()),
        };
        (ui, lines)
    }

    /// Whether questions can be asked.
    pub fn interactive(&self) -> bool {
        self.interactive
    }

    /// `text` in a tone (plain without colour).
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", tone.code())
        } else {
            text.to_owned()
        }
    }

    fn emit(&self, text: &str, to_stderr: bool) {
        if let Some(lines) = &self.captured {
            if let Ok(mut lines) = lines.lock() {
                lines.extend(text.lines().map(str::to_owned));
            }
            return;
        }
        let print = || {
            if to_stderr {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{text}");
            } else {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
        };
        match &self.bars {
            Some(bars) => bars.suspend(print),
            None => print(),
        }
    }

    /// Prints lines on stdout (above the progress bars).
    pub fn line(&self, text: &str) {
        self.emit(text.trim_end_matches('\n'), false);
    }

    /// Prints a warning on stderr.
    pub fn warn(&self, text: &str) {
        let label = self.paint(Tone::Busy, "warning");
        self.emit(&format!("{label}: {text}"), true);
    }

    /// A progress bar for one stack operation of `total` resource steps (hidden without a
    /// terminal).
    pub fn progress(&self, label: &str, total: u64) -> Progress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total.max(1)));
            let style = ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:20}] {pos}/{len} {elapsed} {wide_msg}",
            )
            .map(|style| style.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// Asks a yes/no question on the terminal (one question at a time; progress bars are
    /// hidden meanwhile). Without a terminal the answer is no.
    pub async fn confirm(&self, question: &str) -> bool {
        if !self.interactive {
            return false;
        }
        let _one_at_a_time = self.question.lock().await;
        if let Some(answer) = self.answer {
            self.line(&format!(
                "{question} [y/N] {}",
                if answer { "y" } else { "n" }
            ));
            return answer;
        }
        let prompt = format!("{question} [y/N] ");
        let ask = move || {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{prompt}");
            let _ = err.flush();
            let mut answer = String::new();
            let read = std::io::stdin().lock().read_line(&mut answer);
            read.is_ok() && matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
        };
        let bars = self.bars.clone();
        tokio::task::spawn_blocking(move || match bars {
            Some(bars) => bars.suspend(ask),
            None => ask(),
        })
        .await
        .unwrap_or(false)
    }
}

/// The progress bar of one stack operation.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Shows the latest event.
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }

    /// One more resource finished.
    pub fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `HH:MM:SS` (UTC) of a Unix time in milliseconds.
pub fn clock(timestamp_ms: i64) -> String {
    let seconds = timestamp_ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(clock(1_700_000_000_000), "22:13:20");
    }

    #[test]
    fn captured_lines_are_plain() {
        let (ui, lines) = Ui::capture(None);
        ui.line("a\nb\n");
        assert_eq!(ui.paint(Tone::Bad, "x"), "x");
        assert!(!ui.interactive());
        assert_eq!(*lines.lock().unwrap(), ["a", "b"]);
    }
}
