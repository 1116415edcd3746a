//! What the CLI prints: summaries on stdout, diagnostics on stderr (text) or one JSON
//! object on stdout (json).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use indexmap::IndexSet;
use serde_json::{Value as Json, json};

use super::FAILURE;
use super::args::Format;
use crate::app::{AssembledStack, Assembly};
use crate::diagnostics::{Diagnostics, Severity, Sources, render_text, to_json};
use crate::manifest::Manifests;
use crate::template::render_json;

pub(super) struct Reporter<'a> {
    format: Format,
    sources: &'a Sources,
}

impl<'a> Reporter<'a> {
    pub fn new(format: Format, manifests: &'a Manifests) -> Reporter<'a> {
        Reporter {
            format,
            sources: manifests.sources(),
        }
    }

    /// Prints every diagnostic; exits with 1.
    pub fn failure(&self, diagnostics: &Diagnostics) -> ExitCode {
        match self.format {
            Format::Text => {
                self.print_diagnostics(diagnostics);
                let errors = diagnostics.count(Severity::Error);
                let plural = if errors == 1 { "" } else { "s" };
                eprintln!("error: could not synthesize the manifests: {errors} error{plural}");
            }
            Format::Json => print!("{}", render_json(&to_json(diagnostics))),
        }
        ExitCode::from(FAILURE)
    }

    /// After `synth` (with `out`) or `validate`.
    pub fn success(
        &self,
        warnings: &Diagnostics,
        assembly: &Assembly,
        out: Option<&Path>,
        documents: usize,
    ) -> ExitCode {
        let environments = environments(assembly);
        match self.format {
            Format::Text => {
                self.print_diagnostics(warnings);
                let counts = format!(
                    "{} stack{} with {} resource{} for {} environment{} from {documents} document{}",
                    assembly.stacks.len(),
                    plural(assembly.stacks.len()),
                    assembly.resource_count(),
                    plural(assembly.resource_count()),
                    environments.len(),
                    plural(environments.len()),
                    plural(documents),
                );
                match out {
                    Some(out) => println!("Synthesized {counts} into {}", out.display()),
                    None => println!("Valid: {counts}"),
                }
                if out.is_some() {
                    print!("{}", table(assembly));
                }
            }
            Format::Json => {
                let mut value = to_json(warnings);
                value["stacks"] = stacks(assembly);
                value["resources"] = json!(assembly.resource_count());
                value["environments"] = json!(environments);
                value["out"] = json!(out.map(|out| out.display().to_string()));
                print!("{}", render_json(&value));
            }
        }
        ExitCode::SUCCESS
    }

    /// After `list`.
    pub fn list(&self, warnings: &Diagnostics, assembly: &Assembly) -> ExitCode {
        match self.format {
            Format::Text => {
                self.print_diagnostics(warnings);
                print!("{}", table(assembly));
            }
            Format::Json => {
                let mut value = to_json(warnings);
                value["stacks"] = stacks(assembly);
                print!("{}", render_json(&value));
            }
        }
        ExitCode::SUCCESS
    }

    /// Prints warnings (and any other diagnostics) on stderr, in text.
    #[cfg(feature = "deploy")]
    pub fn warnings(&self, diagnostics: &Diagnostics) {
        self.print_diagnostics(diagnostics);
    }

    fn print_diagnostics(&self, diagnostics: &Diagnostics) {
        if !diagnostics.is_empty() {
            eprint!("{}", render_text(diagnostics, self.sources, stderr_color()));
        }
    }
}

/// Colour only on a terminal, and never with `NO_COLOR` set or `TERM=dumb`.
fn stderr_color() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn environments(assembly: &Assembly) -> Vec<String> {
    let unique: IndexSet<String> = assembly
        .stacks
        .iter()
        .map(|stack| stack.env.to_string())
        .collect();
    unique.into_iter().collect()
}

fn role(stack: &AssembledStack) -> String {
    match serde_json::to_value(stack.role) {
        Ok(Json::String(role)) => role,
        _ => String::new(),
    }
}

fn stacks(assembly: &Assembly) -> Json {
    assembly
        .stacks
        .iter()
        .map(|stack| {
            json!({
                "id": stack.id,
                "name": stack.name,
                "account": stack.env.account(),
                "region": stack.env.region(),
                "role": role(stack),
                "resources": stack.resources,
                "template": stack.template_file,
            })
        })
        .collect()
}

/// The stacks as an aligned table, in deploy order.
fn table(assembly: &Assembly) -> String {
    let mut rows = vec![[
        "STACK".to_owned(),
        "ENVIRONMENT".to_owned(),
        "ROLE".to_owned(),
        "RESOURCES".to_owned(),
    ]];
    rows.extend(assembly.stacks.iter().map(|stack| {
        [
            stack.name.clone(),
            stack.env.to_string(),
            role(stack),
            stack.resources.to_string(),
        ]
    }));
    let widths: Vec<usize> = (0..4)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
