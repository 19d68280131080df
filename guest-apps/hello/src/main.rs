//! `hello`: prints its argv and envp, one per line, so a test can check exactly what a
//! program was started with.

fn main() {
    for (i, arg) in std::env::args_os().enumerate() {
        println!("argv[{i}] = {}", arg.to_string_lossy());
    }
    for (key, value) in std::env::vars_os() {
        println!("env {}={}", key.to_string_lossy(), value.to_string_lossy());
    }
}
