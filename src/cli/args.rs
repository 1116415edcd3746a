//! The command line, as clap parses it (kept out of the library API).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Synthesizes AWS CloudFormation templates from YAML manifests.
#[derive(Parser)]
#[command(name = "cfsynth", version)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Synthesize manifests into templates and `assembly.json`.
    Synth {
        #[command(flatten)]
        input: Input,
        /// The output directory (templates of stacks no longer synthesized are removed).
        #[arg(long, default_value = "cfsynth.out")]
        out: PathBuf,
    },
    /// Check manifests (everything `synth` checks) without writing anything.
    Validate {
        #[command(flatten)]
        input: Input,
    },
    /// List the stacks that would be synthesized, in deploy order.
    List {
        #[command(flatten)]
        input: Input,
    },
    /// Print the JSON Schema of manifest documents.
    Schema,
    /// Deploy stacks through change sets: plan, diff, approval, live events, outputs.
    #[cfg(feature = "deploy")]
    Deploy(Box<super::deploy::DeployArgs>),
    /// Delete the stacks of an assembly (listed first, then approved).
    #[cfg(feature = "deploy")]
    Destroy(super::deploy::DestroyArgs),
    /// Make an account and region ready for deploys: staging bucket, deploy and
    /// execution roles.
    #[cfg(feature = "deploy")]
    Bootstrap(super::deploy::BootstrapArgs),
}

#[derive(Args)]
pub(super) struct Input {
    /// Manifest files or directories (searched for `*.yaml` and `*.yml`) [default: manifests]
    pub paths: Vec<PathBuf>,
    /// How to print results and errors.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print how long each phase took to stderr: load (read and parse), build (documents
    /// into stacks; self-contained ones are validated and rendered here too), synth
    /// (references, order, the remaining templates) and write.
    #[arg(long)]
    pub timings: bool,
}

/// How to print results and errors.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    /// For people: a summary on stdout, errors rustc-style on stderr.
    Text,
    /// For tools: one JSON object on stdout.
    Json,
}
