//! How each stack's service is started from its own directory by `run-local` (the
//! system script that runs everything without Docker). The stack's templates must
//! make this command work; the service reads `PORT`, `SERVICE_ADDRESS` and
//! `CONSUL_HTTP_ADDR` from the environment.

use crate::decomposition::Stack;

/// The shell command that starts a service in the foreground from its directory.
///
/// - Go: `go run .` (the module's main package is at its root).
/// - Django: migrations, then gunicorn on the project's WSGI module
///   `<ident>.wsgi:application` (the project package is named after the service's
///   identifier), bound to `SERVICE_ADDRESS:PORT`.
/// - Rust: `cargo run --release` (one binary crate).
pub fn run_command(stack: Stack, ident: &str) -> String {
    match stack {
        Stack::Go => "go run .".to_owned(),
        Stack::Django => format!(
            "python manage.py migrate --noinput && exec gunicorn --bind \"$SERVICE_ADDRESS:$PORT\" {ident}.wsgi:application"
        ),
        Stack::Rust => "cargo run --release".to_owned(),
    }
}
