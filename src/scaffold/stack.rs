//! How each stack's service is started from its own directory by `run-local` (the
//! system script that runs everything without Docker). The stack's templates must
//! make this command work; the service reads `PORT`, `SERVICE_ADDRESS` and
//! `CONSUL_HTTP_ADDR` from the environment.

use crate::decomposition::Stack;

/// The shell command that starts a service in the foreground from its directory.
///
/// - Go: build the module's root main package into `.bin/service`, then `exec` it
///   (`go run` does not pass SIGTERM on to the program, which must deregister).
/// - Django: migrations, then gunicorn on the project's WSGI module
///   `<ident>.wsgi:application` (the project package is named after the service's
///   identifier), bound to `SERVICE_ADDRESS:PORT`.
/// - Rust: `exec cargo run --release` (one binary crate; cargo execs it on Unix).
pub fn run_command(stack: Stack, ident: &str) -> String {
    match stack {
        Stack::Go => "go build -o .bin/service . && exec ./.bin/service".to_owned(),
        Stack::Django => format!(
            "python manage.py migrate --noinput && exec gunicorn --bind \"$SERVICE_ADDRESS:$PORT\" {ident}.wsgi:application"
        ),
        Stack::Rust => "exec cargo run --release".to_owned(),
    }
}
