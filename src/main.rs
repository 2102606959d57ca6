//! The `edgesim` binary: parses the command line, catches Ctrl-C, hands
//! the command to its file under [`cli`] and turns the result into the
//! exit code. Every command calls the library.

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = Cli::parse();
    if args.command.catches_ctrl_c() {
        cli::progress::install_interrupt_handler();
    }
    let result = match args.command {
        Command::Run(a) => cli::run::execute(a),
        Command::Check(a) => cli::check::execute(a),
        Command::Baseline(a) => cli::baseline::execute(a),
        Command::Plot(a) => cli::plot::execute(a),
        Command::Sweep(a) => cli::sweep::execute(a),
        Command::Merge(a) => cli::merge::execute(a),
        Command::Validate(a) => cli::validate::execute(a),
        Command::Catalog(a) => cli::catalog::execute(a),
    };
    ExitCode::from(cli::failure::exit_code(result))
}
