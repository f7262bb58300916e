//! The `gregor` binary: `gregor <command> [args]`, commands named after Kafka's scripts.
//!
//! A thin shell over the library (`gregor::cli`): pick the command from the first argument
//! (or from the name the binary was invoked as, for symlinks), run it, exit with its status.

use std::process::ExitCode;

use gregor::cli;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let invoked_as = args.first().map(String::as_str).unwrap_or("gregor");
    let status = if let Some(command) = cli::find_command(invoked_as) {
        (command.run)(&args[1..])
    } else {
        match args.get(1).map(String::as_str) {
            Some("--help" | "-h" | "help") => {
                print!("{}", cli::gregor_usage());
                0
            }
            Some(name) => match cli::find_command(name) {
                Some(command) => (command.run)(&args[2..]),
                None => {
                    eprintln!("gregor: unknown command '{name}'");
                    eprint!("{}", cli::gregor_usage());
                    1
                }
            },
            None => {
                eprint!("{}", cli::gregor_usage());
                1
            }
        }
    };
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
