//! `cfsynth deploy`, `cfsynth destroy` and `cfsynth bootstrap` (the `deploy` feature).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::args::Format;
use super::report::Reporter;
use super::{FAILURE, USAGE, load_paths};
use crate::deploy::bootstrap::{BOOTSTRAP_STACK, BootstrapOptions, bootstrap_assembly};
use crate::deploy::stackset::StackSetOptions;
use crate::deploy::{
    Aliases, Approval, AwsCloud, AwsOptions, DEFAULT_ROLE, DeployAssembly, DeployError,
    DeployOptions, OperationPreferences, ParameterOverride, Plan, Running, StackSetTargets, Ui,
};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::manifest::Registry;

/// Exit code: interrupted with Ctrl-C.
const INTERRUPTED: u8 = 130;

/// Where the caller's credentials and endpoints come from.
#[derive(Args, Clone)]
pub(super) struct Connection {
    /// A named profile of ~/.aws/config (SSO, credential_process, role chains); default:
    /// the standard chain (environment, web identity, container and instance roles).
    #[arg(long)]
    pub profile: Option<String>,
    /// The region of the caller's own calls (STS, StackSet administration); stacks always
    /// deploy to the region of their environment.
    #[arg(long)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl Connection {
    fn options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}

/// Which assembly and which of its stacks.
#[derive(Args, Clone)]
pub(super) struct Source {
    /// Manifest files or directories, synthesized first into --out [default: manifests]
    pub paths: Vec<PathBuf>,
    /// Use an assembly already synthesized into DIR instead of manifests.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub assembly: Option<PathBuf>,
    /// Where manifests are synthesized to (and `outputs.json` is written).
    #[arg(long, default_value = "cfsynth.out", value_name = "DIR")]
    pub out: PathBuf,
    /// Only these stacks: a stack name or id (`*` wildcards), ACCOUNT/REGION (`*` for
    /// either), an account id or alias, a pipeline target, or a role (bootstrap, support,
    /// pipeline, application); repeat or separate with commas.
    #[arg(long, value_delimiter = ',', value_name = "SELECTOR")]
    pub only: Vec<String>,
    /// The cfsynth app every stack is tagged with (`cfsynth:app`); stacks of the app
    /// that the assembly no longer has are orphans. Give each project sharing accounts
    /// its own name.
    #[arg(long, default_value = "default")]
    pub app: String,
    /// The role assumed in every account other than the caller's (`cfsynth bootstrap`
    /// creates it), unless the `Accounts` manifest names one for the account.
    #[arg(long, default_value = DEFAULT_ROLE, value_name = "NAME")]
    pub role_name: String,
}

/// `--require-approval`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ApprovalArg {
    /// Never ask.
    Never,
    /// Ask before every change.
    AnyChange,
    /// Ask when IAM statements or security-group rules are added or widened.
    Broadening,
}

/// A number, or a percentage with `%`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Amount {
    value: i32,
    percent: bool,
}

impl std::str::FromStr for Amount {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (number, percent) = match text.strip_suffix('%') {
            Some(number) => (number, true),
            None => (text, false),
        };
        let value: i32 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a number or a percentage such as 25%"))?;
        if value < 0 || (percent && value > 100) {
            return Err(format!("`{text}` is out of range"));
        }
        Ok(Amount { value, percent })
    }
}

/// `cfsynth deploy`.
#[derive(Args)]
pub(super) struct DeployArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub connection: Connection,
    /// Stacks deployed at once (independent stacks only).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// When to stop and ask before executing a change set; without a terminal, a stop
    /// fails the stack unless --yes.
    #[arg(long, value_enum, default_value = "broadening")]
    pub require_approval: ApprovalArg,
    /// Print the plan and touch nothing (no AWS call at all).
    #[arg(long)]
    pub dry_run: bool,
    /// Approve every change, and the deletions of --prune.
    #[arg(long, short)]
    pub yes: bool,
    /// Leave failed creates and updates as they are, for inspection.
    #[arg(long)]
    pub no_rollback: bool,
    /// Start nothing new after the first failure (default: only the failing
    /// environment stops).
    #[arg(long)]
    pub fail_fast: bool,
    /// After a successful deploy, delete the orphaned stacks (listed first, then approved).
    #[arg(long)]
    pub prune: bool,
    /// Delete and recreate stacks left in ROLLBACK_COMPLETE by a failed create.
    #[arg(long)]
    pub recreate_failed: bool,
    /// The role CloudFormation uses in each account (default: `cfsynth-cfn-exec` when
    /// the default deploy role was assumed, else the caller's credentials), unless the
    /// `Accounts` manifest names one for the account.
    #[arg(long, value_name = "NAME")]
    pub execution_role_name: Option<String>,
    /// A template parameter value, for every stack that has it or for one stack.
    #[arg(long = "parameter", value_name = "[STACK:]NAME=VALUE")]
    pub parameters: Vec<ParameterOverride>,
    /// Deploy this stack of the assembly as a StackSet (named after it) to --ous or
    /// --accounts in --regions, instead of as a stack.
    #[arg(long, value_name = "STACK")]
    pub stackset: Option<String>,
    /// Organizational units (service-managed StackSet, auto-deployed to new accounts).
    #[arg(long, value_delimiter = ',', requires = "stackset", value_name = "OU")]
    pub ous: Vec<String>,
    /// Accounts: the targets of a self-managed StackSet, or a filter of the --ous.
    #[arg(
        long,
        value_delimiter = ',',
        requires = "stackset",
        value_name = "ACCOUNT"
    )]
    pub accounts: Vec<String>,
    /// The StackSet's regions.
    #[arg(
        long,
        value_delimiter = ',',
        requires = "stackset",
        value_name = "REGION"
    )]
    pub regions: Vec<String>,
    /// Accounts deployed at once per region: N or N%.
    #[arg(long, requires = "stackset", value_name = "N|N%")]
    pub max_concurrent: Option<Amount>,
    /// Failed accounts tolerated per region before the operation stops: N or N%.
    #[arg(long, requires = "stackset", value_name = "N|N%")]
    pub failure_tolerance: Option<Amount>,
    /// Deploy the StackSet's regions in parallel (default: one after another).
    #[arg(long, requires = "stackset")]
    pub parallel_regions: bool,
    /// Administer the StackSet as the organization's delegated administrator.
    #[arg(long, requires = "stackset")]
    pub delegated_admin: bool,
}

/// `cfsynth destroy`.
#[derive(Args)]
pub(super) struct DestroyArgs {
    #[command(flatten)]
    pub source: Source,
    #[command(flatten)]
    pub connection: Connection,
    /// Delete without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Also delete stacks with termination protection (it is turned off first).
    #[arg(long)]
    pub include_protected: bool,
}

/// `cfsynth bootstrap`.
#[derive(Args)]
pub(super) struct BootstrapArgs {
    /// The account to bootstrap.
    #[arg(long)]
    pub account: String,
    /// The region to bootstrap.
    #[arg(long)]
    pub region: String,
    /// An account whose principals may assume the deploy role (the tooling account);
    /// repeat for several. Default: the bootstrapped account itself.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    pub trust: Vec<String>,
    /// A managed policy ARN for the CloudFormation execution role; repeat for several
    /// [default: AdministratorAccess]
    #[arg(long, value_name = "ARN")]
    pub execution_policy: Vec<String>,
    /// Turn termination protection on for the bootstrap stack.
    #[arg(long)]
    pub termination_protection: bool,
    /// A role to assume in --account when the caller is in another account (e.g.
    /// OrganizationAccountAccessRole).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// A named profile of ~/.aws/config.
    #[arg(long)]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Approve the new roles without asking.
    #[arg(long, short)]
    pub yes: bool,
}

fn approval(arg: ApprovalArg) -> Approval {
    match arg {
        ApprovalArg::Never => Approval::Never,
        ApprovalArg::AnyChange => Approval::AnyChange,
        ApprovalArg::Broadening => Approval::Broadening,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, DeployError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| DeployError::Usage(format!("cannot start the async runtime: {error}")))
}

fn fail(error: &DeployError, code: u8) -> ExitCode {
    eprintln!("error: {error}");
    if let Some(help) = error.help() {
        eprintln!("  help: {help}");
    }
    ExitCode::from(code)
}

/// Reads `--assembly DIR`, or synthesizes the manifests into `--out` and reads that;
/// manifest errors are printed (rustc style) and give `Err(exit code)`.
fn assembly(registry: &Registry, source: &Source) -> Result<(DeployAssembly, Aliases), ExitCode> {
    if let Some(dir) = &source.assembly {
        return DeployAssembly::read(dir)
            .map(|assembly| (assembly, Aliases::default()))
            .map_err(|error| fail(&error, FAILURE));
    }
    let manifests = load_paths(&source.paths);
    let reporter = Reporter::new(Format::Text, &manifests);
    let build = registry.build(&manifests);
    let warnings = build.diagnostics.clone();
    let synthesized = match build.synth() {
        Ok(assembly) => assembly,
        Err(diagnostics) => return Err(reporter.failure(&diagnostics)),
    };
    reporter.warnings(&warnings);
    if let Err(error) = synthesized.write(&source.out) {
        let diagnostic = Diagnostic::error(
            codes::WRITE,
            format!("cannot write `{}`: {error}", source.out.display()),
        );
        return Err(reporter.failure(&Diagnostics::from(diagnostic)));
    }
    println!(
        "Synthesized {} stack{} into {}",
        synthesized.stacks.len(),
        if synthesized.stacks.len() == 1 {
            ""
        } else {
            "s"
        },
        source.out.display()
    );
    let assembly = DeployAssembly::read(&source.out).map_err(|error| fail(&error, FAILURE))?;
    Ok((assembly, Aliases::from_manifests(&manifests)))
}

/// Prints what Ctrl-C leaves behind.
fn interrupted(running: &Running) -> ExitCode {
    eprintln!();
    eprintln!(
        "Interrupted. cfsynth stopped waiting but cancelled nothing: CloudFormation finishes \
         the operations already started on its own."
    );
    let under_way = running.snapshot();
    if under_way.is_empty() {
        eprintln!("No stack operation was under way.");
    }
    for (stack, phase) in under_way {
        eprintln!("  {stack}: {phase}");
    }
    eprintln!(
        "Watch them in the CloudFormation console (or `aws cloudformation describe-stack-events`), \
         then run cfsynth deploy again: it starts from the state they end in."
    );
    ExitCode::from(INTERRUPTED)
}

/// Runs `work` until it ends or Ctrl-C: the handler is in place before `work` starts.
async fn interruptible<F: std::future::Future<Output = ExitCode>>(
    running: &Running,
    work: F,
) -> ExitCode {
    let interrupt = tokio::signal::ctrl_c();
    tokio::select! {
        biased;
        _ = interrupt => interrupted(running),
        code = work => code,
    }
}

fn options(args: &DeployArgs) -> DeployOptions {
    DeployOptions {
        app: args.source.app.clone(),
        concurrency: usize::from(args.concurrency),
        approval: approval(args.require_approval),
        yes: args.yes,
        rollback: !args.no_rollback,
        fail_fast: args.fail_fast,
        prune: args.prune,
        recreate_failed: args.recreate_failed,
        role_name: args.source.role_name.clone(),
        execution_role_name: args.execution_role_name.clone(),
        parameters: args.parameters.clone(),
        poll_interval: Duration::from_secs(2),
        ..DeployOptions::default()
    }
}

/// `cfsynth deploy`.
pub(super) fn deploy(registry: &Registry, args: &DeployArgs) -> ExitCode {
    let (assembly, aliases) = match assembly(registry, &args.source) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let options = options(args);
    if let Some(stack) = &args.stackset {
        return stackset(&assembly, &options, args, stack);
    }
    let plan = match Plan::select(&assembly, &args.source.only, &aliases) {
        Ok(plan) => plan,
        Err(error) => return fail(&error, USAGE),
    };
    if args.dry_run {
        print!(
            "{}",
            plan.render(&assembly, options.concurrency, &options.role_name)
        );
        println!("Nothing was deployed (--dry-run).");
        return ExitCode::SUCCESS;
    }
    if plan.stacks.is_empty() {
        println!("Nothing to deploy.");
        return ExitCode::SUCCESS;
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error, FAILURE),
    };
    let ui = Ui::detect();
    let running = Running::default();
    let code = runtime.block_on(async {
        let cloud = AwsCloud::connect(&args.connection.options()).await;
        interruptible(&running, async {
            let report =
                crate::deploy::deploy(&cloud, &ui, &assembly, &plan, &options, running.clone())
                    .await;
            match report {
                Ok(report) if report.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::from(FAILURE),
                Err(error) => fail(&error, FAILURE),
            }
        })
        .await
    });
    runtime.shutdown_background();
    code
}

fn stackset(
    assembly: &DeployAssembly,
    options: &DeployOptions,
    args: &DeployArgs,
    stack: &str,
) -> ExitCode {
    let set = StackSetOptions {
        stack: stack.to_owned(),
        targets: StackSetTargets {
            organizational_units: args.ous.clone(),
            accounts: args.accounts.clone(),
            regions: args.regions.clone(),
        },
        preferences: OperationPreferences {
            max_concurrent: args.max_concurrent.map(|amount| amount.value),
            max_concurrent_percent: args.max_concurrent.is_some_and(|amount| amount.percent),
            failure_tolerance: args.failure_tolerance.map(|amount| amount.value),
            failure_tolerance_percent: args.failure_tolerance.is_some_and(|amount| amount.percent),
            parallel_regions: args.parallel_regions,
        },
        delegated_admin: args.delegated_admin,
        region: args.connection.region.clone(),
    };
    if args.dry_run {
        println!(
            "Plan: stack {stack} as a {} StackSet to {} in {}",
            if set.targets.service_managed() {
                "service-managed"
            } else {
                "self-managed"
            },
            [
                set.targets.organizational_units.join(", "),
                set.targets.accounts.join(", ")
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
            set.targets.regions.join(", ")
        );
        println!("Nothing was deployed (--dry-run).");
        return ExitCode::SUCCESS;
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error, FAILURE),
    };
    let ui = Ui::detect();
    let running = Running::default();
    let code = runtime.block_on(async {
        let cloud = AwsCloud::connect(&args.connection.options()).await;
        let work = async {
            let engine =
                crate::deploy::Engine::connect(&cloud, &ui, options, running.clone()).await?;
            engine.deploy_stack_set(assembly, &set).await
        };
        interruptible(&running, async {
            match work.await {
                Ok(report) if report.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::from(FAILURE),
                Err(error) => fail(&error, FAILURE),
            }
        })
        .await
    });
    runtime.shutdown_background();
    code
}

/// `cfsynth destroy`.
pub(super) fn destroy(registry: &Registry, args: &DestroyArgs) -> ExitCode {
    let (assembly, aliases) = match assembly(registry, &args.source) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let plan = match Plan::select(&assembly, &args.source.only, &aliases) {
        Ok(plan) => plan,
        Err(error) => return fail(&error, USAGE),
    };
    let options = DeployOptions {
        app: args.source.app.clone(),
        yes: args.yes,
        role_name: args.source.role_name.clone(),
        ..DeployOptions::default()
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error, FAILURE),
    };
    let ui = Ui::detect();
    let running = Running::default();
    let code = runtime.block_on(async {
        let cloud = AwsCloud::connect(&args.connection.options()).await;
        let work = async {
            let engine =
                crate::deploy::Engine::connect(&cloud, &ui, &options, running.clone()).await?;
            engine
                .destroy(&assembly, &plan, args.include_protected)
                .await
        };
        interruptible(&running, async {
            match work.await {
                Ok(report) if report.success() => ExitCode::SUCCESS,
                Ok(report) => {
                    for error in &report.errors {
                        eprintln!("error: {error}");
                    }
                    ExitCode::from(FAILURE)
                }
                Err(error) => fail(&error, FAILURE),
            }
        })
        .await
    });
    runtime.shutdown_background();
    code
}

/// `cfsynth bootstrap`.
pub(super) fn bootstrap(args: &BootstrapArgs) -> ExitCode {
    let options = BootstrapOptions {
        account: args.account.clone(),
        region: args.region.clone(),
        trust: args.trust.clone(),
        execution_policies: args.execution_policy.clone(),
        termination_protection: args.termination_protection,
    };
    let synthesized = match bootstrap_assembly(&options) {
        Ok(assembly) => assembly,
        Err(error) => return fail(&error, USAGE),
    };
    let assembly = DeployAssembly::from_assembly(&synthesized);
    let plan = match Plan::select(
        &assembly,
        &[BOOTSTRAP_STACK.to_owned()],
        &Aliases::default(),
    ) {
        Ok(plan) => plan,
        Err(error) => return fail(&error, USAGE),
    };
    let deploy_options = DeployOptions {
        app: "cfsynth-bootstrap".to_owned(),
        yes: args.yes,
        role_name: args.role_name.clone().unwrap_or_default(),
        ..DeployOptions::default()
    };
    let connection = AwsOptions {
        profile: args.profile.clone(),
        region: Some(args.region.clone()),
        endpoint_url: args.endpoint_url.clone(),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error, FAILURE),
    };
    let ui = Ui::detect();
    let running = Running::default();
    let code = runtime.block_on(async {
        let cloud = AwsCloud::connect(&connection).await;
        let work = async {
            let engine =
                crate::deploy::Engine::connect(&cloud, &ui, &deploy_options, running.clone())
                    .await?;
            if engine.caller().account != args.account && args.role_name.is_none() {
                return Err(DeployError::Usage(format!(
                    "the credentials are for account {}, not {}: pass --role-name with a role \
                     to assume there (e.g. OrganizationAccountAccessRole), or use a profile of \
                     that account",
                    engine.caller().account,
                    args.account
                )));
            }
            Ok(engine.deploy(&assembly, &plan).await)
        };
        interruptible(&running, async {
            match work.await {
                Ok(report) if report.success() => {
                    println!(
                        "Bootstrapped {}/{}: staging bucket cfsynth-staging-{}-{}, roles {} and {}",
                        args.account,
                        args.region,
                        args.account,
                        args.region,
                        DEFAULT_ROLE,
                        crate::deploy::DEFAULT_EXECUTION_ROLE
                    );
                    ExitCode::SUCCESS
                }
                Ok(_) => ExitCode::from(FAILURE),
                Err(error) => fail(&error, FAILURE),
            }
        })
        .await
    });
    runtime.shutdown_background();
    code
}
