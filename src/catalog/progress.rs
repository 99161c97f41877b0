//! Progress of a long read, on stderr only: a bar (indicatif) on a terminal, otherwise a plain
//! line at most every few seconds. Nothing of it ever reaches stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::Cell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    catalog: String,
    bar: Option<ProgressBar>,
    read: Cell<u64>,
    last_line: Cell<Instant>,
}

/// How often a plain line is printed while a read goes on.
const EVERY: Duration = Duration::from_secs(5);

impl Progress {
    pub fn new(catalog: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix}: {pos} read ({per_sec}) {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(catalog.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            catalog: catalog.to_string(),
            bar,
            read: Cell::new(0),
            last_line: Cell::new(Instant::now()),
        }
    }

    /// `n` more entries read; `total` when the source says how many there are.
    pub fn add(&self, n: u64, total: Option<u64>) {
        self.read.set(self.read.get() + n);
        match &self.bar {
            Some(bar) => {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.inc(n);
            }
            None if self.last_line.get().elapsed() >= EVERY => {
                self.last_line.set(Instant::now());
                eprintln!("aws-as: {}: {} read so far", self.catalog, self.read.get());
            }
            None => {}
        }
    }

    /// A note on the bar (or a plain line): "throttled, waiting 2s".
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_string()),
            None => eprintln!("aws-as: {}: {text}", self.catalog),
        }
    }

    pub fn read(&self) -> u64 {
        self.read.get()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
