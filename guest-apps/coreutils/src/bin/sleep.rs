//! `sleep SECONDS`: suspends for the given (possibly fractional) number of seconds.

fn main() {
    let arg =
        std::env::args().nth(1).unwrap_or_else(|| coreutils::die("sleep", "missing operand", 1));
    let seconds: f64 =
        arg.parse().ok().filter(|s: &f64| s.is_finite() && *s >= 0.0).unwrap_or_else(|| {
            coreutils::die("sleep", format!("invalid time interval '{arg}'"), 1)
        });
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
}
