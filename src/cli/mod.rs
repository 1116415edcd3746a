//! The command-line interface: clap arguments, then one library call per subcommand.
//!
//! `cfsynth synth|validate|list [PATHS…] [--format text|json]`, `cfsynth synth --out DIR`,
//! `cfsynth schema`; with the `deploy` feature (on by default) also `cfsynth deploy`,
//! `cfsynth destroy` and `cfsynth bootstrap` (see [`crate::deploy`]). Exit codes: 0
//! success, 1 errors in the manifests (or the output could not be written, or a stack did
//! not deploy), 2 usage errors, 130 interrupted (Ctrl-C). A team crate with its own kinds
//! builds the same CLI:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     let registry = cfsynth::manifest::Registry::builtin();
//!     // registry.register(MyBlueprint);
//!     cfsynth::cli::run(registry, std::env::args_os())
//! }
//! ```

mod args;
#[cfg(feature = "deploy")]
mod deploy;
mod report;
mod timings;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::{Manifests, Registry};
use args::{Cli, Command, Input};
use report::Reporter;
use timings::Timings;

/// The folder read when no paths are given.
const DEFAULT_MANIFESTS: &str = "manifests";

/// Exit code: manifests with errors, or output that could not be written.
const FAILURE: u8 = 1;
/// Exit code: bad arguments.
const USAGE: u8 = 2;

/// Runs the CLI with the process arguments and the built-in kinds.
pub fn main() -> ExitCode {
    run(Registry::builtin(), std::env::args_os())
}

/// Runs the CLI with `args` (the first is the program name) and the kinds of `registry`.
pub fn run<I, T>(registry: Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Synth { input, out } => synth(&registry, &input, Some(&out)),
        Command::Validate { input } => synth(&registry, &input, None),
        Command::List { input } => list(&registry, &input),
        Command::Schema => {
            print!("{}", crate::template::render_json(&registry.schema()));
            ExitCode::SUCCESS
        }
        #[cfg(feature = "deploy")]
        Command::Deploy(args) => deploy::deploy(&registry, &args),
        #[cfg(feature = "deploy")]
        Command::Destroy(args) => deploy::destroy(&registry, &args),
        #[cfg(feature = "deploy")]
        Command::Bootstrap(args) => deploy::bootstrap(&args),
    }
}

/// Loads the manifests at `paths` (the default folder when none).
fn load_paths(paths: &[PathBuf]) -> Manifests {
    let paths = match paths {
        [] => vec![PathBuf::from(DEFAULT_MANIFESTS)],
        paths => paths.to_vec(),
    };
    Manifests::load(&paths)
}

fn load(input: &Input) -> Manifests {
    load_paths(&input.paths)
}

/// `synth` (with an output directory) and `validate` (without).
fn synth(registry: &Registry, input: &Input, out: Option<&PathBuf>) -> ExitCode {
    let mut timings = Timings::start(input.timings);
    let manifests = load(input);
    timings.end("load");
    let reporter = Reporter::new(input.format, &manifests);
    let build = registry.build_to_synth(&manifests);
    timings.end("build");
    let warnings = build.diagnostics.clone();
    let assembly = build.synth();
    timings.end("synth");
    let assembly = match assembly {
        Ok(assembly) => assembly,
        Err(diagnostics) => {
            timings.print();
            return reporter.failure(&diagnostics);
        }
    };
    if let Some(out) = out
        && let Err(error) = assembly.write(out)
    {
        let diagnostic = Diagnostic::error(
            codes::WRITE,
            format!("cannot write `{}`: {error}", out.display()),
        );
        return reporter.failure(&Diagnostics::from(diagnostic));
    }
    if out.is_some() {
        timings.end("write");
    }
    timings.print();
    let code = reporter.success(
        &warnings,
        &assembly,
        out.map(PathBuf::as_path),
        manifests.documents().len(),
    );
    // The process ends here: freeing every template and document one allocation at a
    // time would only delay the exit.
    std::mem::forget(assembly);
    std::mem::forget(manifests);
    code
}

fn list(registry: &Registry, input: &Input) -> ExitCode {
    let mut timings = Timings::start(input.timings);
    let manifests = load(input);
    timings.end("load");
    let reporter = Reporter::new(input.format, &manifests);
    let build = registry.build_to_synth(&manifests);
    timings.end("build");
    let warnings = build.diagnostics.clone();
    let assembly = build.synth();
    timings.end("synth");
    timings.print();
    match assembly {
        Ok(assembly) => reporter.list(&warnings, &assembly),
        Err(diagnostics) => reporter.failure(&diagnostics),
    }
}
