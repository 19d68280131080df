//! `false`: exits with status 1.

fn main() {
    std::process::exit(1);
}
