//! `--timings`: how long each phase of a run took, printed to stderr.

use std::time::{Duration, Instant};

/// Records when each phase ended, when asked to.
pub(super) struct Timings {
    start: Instant,
    last: Instant,
    phases: Option<Vec<(&'static str, Duration)>>,
}

impl Timings {
    /// Starts the clock; records nothing unless `enabled`.
    pub fn start(enabled: bool) -> Timings {
        let now = Instant::now();
        Timings {
            start: now,
            last: now,
            phases: enabled.then(Vec::new),
        }
    }

    /// Ends the phase `name`, which began when the previous one ended.
    pub fn end(&mut self, name: &'static str) {
        if let Some(phases) = &mut self.phases {
            let now = Instant::now();
            phases.push((name, now - self.last));
            self.last = now;
        }
    }

    /// Prints each phase's time and the total to stderr.
    pub fn print(&self) {
        let Some(phases) = &self.phases else {
            return;
        };
        for (name, took) in phases {
            eprintln!("{name:>6} {:8.2} ms", millis(*took));
        }
        eprintln!("{:>6} {:8.2} ms", "total", millis(self.last - self.start));
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
