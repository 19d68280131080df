//! The progress bar (indicatif, on stderr; hidden when stderr is not a terminal, e.g. under
//! the smoke test) and the notes printed beside it.

use indicatif::{ProgressBar, ProgressStyle};

/// Progress over a known number of steps (builds, figures, boots).
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `total` steps.
    pub fn new(total: u64) -> Progress {
        let bar = ProgressBar::new(total);
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:32.cyan/blue} {pos:>3}/{len} {wide_msg}",
        )
        .expect("valid progress template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Progress { bar }
    }

    /// Says what is running now, without counting a step.
    pub fn stage(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    /// One step done.
    pub fn step(&self, message: &str) {
        self.bar.inc(1);
        self.bar.set_message(message.to_owned());
    }

    /// Adds `n` to the total (a part turned out to have more steps than planned).
    pub fn extend(&self, n: u64) {
        self.bar.inc_length(n);
    }

    /// Prints a line for the user above the bar (or plainly, when the bar is hidden).
    pub fn note(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
