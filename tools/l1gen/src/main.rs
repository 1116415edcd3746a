//! l1gen: generates cfsynth's L1 resource types (`src/l1`) from the CloudFormation resource
//! provider schemas shipped by cfn-lint, for the resource types listed in
//! `tools/l1gen/types.txt`.

mod error;
mod mapping;
mod model;
mod naming;
mod output;
mod render;
mod schemas;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use error::{Error, Result};
use output::Change;

const USAGE: &str = "\
Usage: cargo run -p l1gen [-- [--check] [--schemas DIR]]

Generates src/l1 from the CloudFormation resource provider schemas of cfn-lint for the
resource types listed in tools/l1gen/types.txt.

Options:
  --check         write nothing; exit with 1 if src/l1 is not up to date
  --schemas DIR   cfn-lint's schemas directory (default: $CFSYNTH_CFN_SCHEMAS, else
                  .venv/lib/python*/site-packages/cfnlint/data/schemas)
  -h, --help      print this help

Exit status: 0 on success, 1 if --check finds src/l1 stale, 2 on errors.";

/// The generated code's directory, relative to the workspace root.
const OUTPUT_DIR: &str = "src/l1";

/// The list of resource types to generate, relative to the workspace root.
const TYPE_LIST: &str = "tools/l1gen/types.txt";

struct Options {
    check: bool,
    schemas: Option<PathBuf>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The options, or `None` when help was requested.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>> {
    let mut options = Options {
        check: false,
        schemas: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--schemas" => {
                let dir = args
                    .next()
                    .ok_or_else(|| Error::new("--schemas needs a directory"))?;
                options.schemas = Some(PathBuf::from(dir));
            }
            "-h" | "--help" => return Ok(None),
            _ => return Err(Error::new(format!("unexpected argument `{arg}`"))),
        }
    }
    Ok(Some(options))
}

fn run(options: &Options) -> Result<ExitCode> {
    // tools/l1gen → the workspace root
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .ok_or_else(|| Error::new("cannot locate the workspace root"))?;
    let schemas_dir = schemas::locate(options.schemas.clone(), workspace)?;
    let schemas = schemas::Schemas::open(&schemas_dir)?;

    let mut modules = Vec::new();
    for type_name in schemas::read_type_list(&workspace.join(TYPE_LIST))? {
        let schema = schemas.resource(&type_name)?;
        modules.push(mapping::build(&type_name, &schema)?);
    }
    let files = render::render(&modules, &schemas.version)?;
    let files = output::format_all(files, workspace)?;

    let out_dir = workspace.join(OUTPUT_DIR);
    let changes = output::plan(&out_dir, &files)?;
    let show = |path: &Path| Path::new(OUTPUT_DIR).join(path).display().to_string();
    if options.check {
        if changes.is_empty() {
            println!(
                "{OUTPUT_DIR} is up to date ({} files, cfn-lint {})",
                files.len(),
                schemas.version
            );
            return Ok(ExitCode::SUCCESS);
        }
        for (path, change) in &changes {
            let what = match change {
                Change::Create => "missing",
                Change::Update => "outdated",
                Change::Delete => "no longer generated",
            };
            println!("{what}: {}", show(path));
        }
        eprintln!("{OUTPUT_DIR} is stale: run `cargo run -p l1gen`");
        return Ok(ExitCode::from(1));
    }
    output::apply(&out_dir, &files, &changes)?;
    for (path, change) in &changes {
        let what = match change {
            Change::Create => "created",
            Change::Update => "updated",
            Change::Delete => "deleted",
        };
        println!("{what}: {}", show(path));
    }
    println!(
        "{OUTPUT_DIR}: {} files for {} resource types from cfn-lint {} ({} changed)",
        files.len(),
        modules.len(),
        schemas.version,
        changes.len()
    );
    Ok(ExitCode::SUCCESS)
}
