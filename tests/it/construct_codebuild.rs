//! The CodeBuild project construct: snapshots of synthesized projects, least-privilege
//! invariants of the generated role, the image alias table, and every validation error.

use cfsynth::app::{App, Environment, StackId, StackRole};
use cfsynth::constructs::Scope;
use cfsynth::constructs::codebuild::{
    ArtifactFiles, BuildSpec, BuildSpecEnv, BuildSpecSource, Cache, Compute, EnvVar,
    EnvironmentType, Image, ImageSource, LocalCache, OnFailure, Phase, Phases, Project,
    ProjectProps, ProjectSource, ReportFiles, ReportFormat, ReportGroupProps, SecretRef, VpcConfig,
};
use cfsynth::constructs::codebuild::{LogsProps, ReportExport, ReportType, S3Logs};
use cfsynth::constructs::kms::{Key, KeyProps};
use cfsynth::constructs::s3::{Bucket, BucketEncryption, BucketProps};
use cfsynth::template::{Val, sub};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

const ACCOUNT: &str = "111111111111";

fn app_in(region: &str) -> (App, StackId) {
    let mut app = App::new();
    let env = Environment::new(ACCOUNT, region).expect("valid environment");
    let stack = app.add_stack("products-api-pipeline", env, StackRole::Pipeline);
    (app, stack)
}

fn scope(stack: StackId) -> Scope {
    Scope::root(stack).child("package")
}

fn file_source() -> ProjectSource {
    ProjectSource::CodePipeline(BuildSpecSource::File("buildspec.yml".into()))
}

fn image(text: &str) -> Image {
    Image::parse(text).expect("a valid image")
}

fn body(app: App) -> String {
    let assembly = app.synth().expect("synthesizes");
    assembly.stacks[0].body.clone()
}

fn template(app: App) -> Json {
    serde_json::from_str(&body(app)).expect("JSON template")
}

/// The statements of the project role's default policy.
fn role_statements(template: &Json) -> Vec<Json> {
    template["Resources"]["PackageRoleDefaultPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .cloned()
        .expect("the role has a default policy")
}

fn as_list(value: &Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.clone(),
        Json::Null => Vec::new(),
        single => vec![single.clone()],
    }
}

/// The resources of every statement that allows `action`.
fn resources_of(statements: &[Json], action: &str) -> Vec<Json> {
    statements
        .iter()
        .filter(|statement| as_list(&statement["Action"]).contains(&json!(action)))
        .flat_map(|statement| as_list(&statement["Resource"]))
        .collect()
}

fn subnets(count: usize) -> Vec<Val<String>> {
    (0..count)
        .map(|index| Val::Lit(format!("subnet-0{index:016x}")))
        .collect()
}

/// A pipeline build with secrets, parameters, report groups, a VPC and an artifact key.
fn pipeline_build(app: &mut App, stack: StackId) -> Project {
    let key = Key::new(
        app,
        &Scope::root(stack).child("artifacts"),
        KeyProps {
            description: Some("Pipeline artifacts".into()),
            ..KeyProps::default()
        },
    );
    let mut props = ProjectProps::new(file_source(), image("standard:7.0"));
    props.description = Some("Builds and tests products-api".into());
    props.compute = Compute::Medium;
    props.env = vec![
        EnvVar::plaintext("STAGE", "test"),
        EnvVar::parameter("DB_HOST", "/products-api/db-host"),
        EnvVar::secret("DB_PASSWORD", SecretRef::parse("prod/db:password")),
        EnvVar::secret(
            "API_TOKEN",
            SecretRef::new(
                "arn:aws:secretsmanager:us-east-1:111111111111:secret:products-api/token-AbCdEf",
            ),
        ),
    ];
    props.vpc = Some(VpcConfig {
        vpc_id: Val::Lit("vpc-0a1b2c3d4e5f60718".into()),
        subnet_ids: vec![
            Val::Lit("subnet-0aaaaaaaaaaaaaaaa".into()),
            Val::Lit("subnet-0bbbbbbbbbbbbbbbb".into()),
        ],
        security_group_ids: None,
    });
    props.report_groups = IndexMap::from([
        ("unit".to_owned(), ReportGroupProps::test()),
        ("coverage".to_owned(), ReportGroupProps::coverage()),
    ]);
    props.timeout_minutes = Some(30);
    props.queued_timeout_minutes = Some(60);
    props.concurrent_build_limit = Some(2);
    props.encryption_key = Some(key);
    Project::new(app, &scope(stack), props).expect("valid project")
}

/// A NO_SOURCE project on ARM with a typed inline buildspec.
fn arm_inline_build(app: &mut App, stack: StackId) -> Project {
    let spec = BuildSpec {
        env: BuildSpecEnv {
            shell: Some("bash".into()),
            variables: IndexMap::from([(
                "PIP_DISABLE_PIP_VERSION_CHECK".to_owned(),
                "1".to_owned(),
            )]),
            ..BuildSpecEnv::default()
        },
        phases: Phases {
            runtime_versions: IndexMap::from([("python".to_owned(), "3.12".to_owned())]),
            install: Some(Phase::commands([
                "pip install --requirement requirements-dev.txt",
            ])),
            build: Some(Phase {
                on_failure: Some(OnFailure::Abort),
                ..Phase::commands(["pytest --junitxml=reports/junit.xml tests/"])
            }),
            ..Phases::default()
        },
        reports: IndexMap::from([(
            "unit".to_owned(),
            ReportFiles {
                files: vec!["junit.xml".into()],
                base_directory: Some("reports".into()),
                file_format: Some(ReportFormat::JunitXml),
                ..ReportFiles::default()
            },
        )]),
        artifacts: None,
        cache_paths: vec!["/root/.cache/pip/**/*".into()],
    };
    let mut props = ProjectProps::new(
        ProjectSource::NoSource(Box::new(spec)),
        image("al2-arm:3.0"),
    );
    props.compute = Compute::Large;
    props.report_groups = IndexMap::from([("unit".to_owned(), ReportGroupProps::test())]);
    props.cache = Some(Cache::Local(vec![LocalCache::Custom]));
    props.logs.retention_days = 90;
    Project::new(app, &scope(stack), props).expect("valid project")
}

#[test]
fn snapshot_of_a_pipeline_build_with_secrets_parameters_reports_and_vpc() {
    let (mut app, stack) = app_in("us-east-1");
    pipeline_build(&mut app, stack);
    let body = body(app);
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("construct-codebuild-pipeline-build", body);
    });
}

#[test]
fn snapshot_of_an_arm_project_with_an_inline_buildspec() {
    let (mut app, stack) = app_in("eu-west-1");
    arm_inline_build(&mut app, stack);
    let body = body(app);
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("construct-codebuild-arm-inline-buildspec", body);
    });
}

#[test]
fn the_role_reads_exactly_the_referenced_parameters_and_secrets() {
    let (mut app, stack) = app_in("us-east-1");
    pipeline_build(&mut app, stack);
    let statements = role_statements(&template(app));
    assert_eq!(
        resources_of(&statements, "ssm:GetParameters"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/products-api/db-host"})
        ]
    );
    assert_eq!(
        resources_of(&statements, "secretsmanager:GetSecretValue"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/db-??????"}),
            json!("arn:aws:secretsmanager:us-east-1:111111111111:secret:products-api/token-AbCdEf"),
        ]
    );
    for statement in &statements {
        assert!(
            as_list(&statement["Action"])
                .iter()
                .all(|action| action != "ssm:GetParameter" && action != "ssm:GetParametersByPath"),
            "only ssm:GetParameters: {statement}"
        );
    }
}

#[test]
fn a_project_without_references_gets_no_parameter_secret_vpc_or_ecr_permissions() {
    let (mut app, stack) = app_in("us-east-1");
    Project::new(
        &mut app,
        &scope(stack),
        ProjectProps::new(file_source(), image("standard:7.0")),
    )
    .expect("valid project");
    let statements = role_statements(&template(app));
    assert_eq!(
        statements,
        [json!({
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/products-api-pipeline-package"},
                {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/products-api-pipeline-package:*"}
            ]
        })]
    );
}

#[test]
fn vpc_permissions_are_exactly_the_documented_ones() {
    let (mut app, stack) = app_in("us-east-1");
    pipeline_build(&mut app, stack);
    let template = template(app);
    let statements = role_statements(&template);
    let ec2: Vec<&Json> = statements
        .iter()
        .filter(|statement| {
            as_list(&statement["Action"])
                .iter()
                .any(|action| action.as_str().is_some_and(|a| a.starts_with("ec2:")))
        })
        .collect();
    assert_eq!(
        ec2,
        [
            &json!({
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeVpcs"
                ],
                "Resource": "*"
            }),
            &json!({
                "Effect": "Allow",
                "Action": "ec2:CreateNetworkInterfacePermission",
                "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"},
                "Condition": {"StringEquals": {
                    "ec2:Subnet": [
                        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-0aaaaaaaaaaaaaaaa"},
                        {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-0bbbbbbbbbbbbbbbb"}
                    ],
                    "ec2:AuthorizedService": "codebuild.amazonaws.com"
                }}
            }),
        ]
    );
    let group = &template["Resources"]["PackageSecurityGroup"]["Properties"];
    assert_eq!(group["VpcId"], json!("vpc-0a1b2c3d4e5f60718"));
    assert_eq!(group.get("SecurityGroupIngress"), None, "egress only");
    assert_eq!(
        template["Resources"]["PackageProject"]["Properties"]["VpcConfig"]["SecurityGroupIds"],
        json!([{"Fn::GetAtt": ["PackageSecurityGroup", "GroupId"]}])
    );
}

#[test]
fn subnet_ids_from_expressions_become_sub_variables() {
    let (mut app, stack) = app_in("us-east-1");
    let mut props = ProjectProps::new(file_source(), image("standard:7.0"));
    props.vpc = Some(VpcConfig {
        vpc_id: Val::Lit("vpc-0a1b2c3d4e5f60718".into()),
        subnet_ids: vec![Val::Expr(cfsynth::template::import_value(
            "shared-private-subnet-a",
        ))],
        security_group_ids: Some(vec![Val::Lit("sg-0123456789abcdef0".into())]),
    });
    Project::new(&mut app, &scope(stack), props).expect("valid project");
    let template = template(app);
    let statements = role_statements(&template);
    let permission = statements
        .iter()
        .find(|statement| statement["Action"] == "ec2:CreateNetworkInterfacePermission")
        .expect("the interface permission statement");
    assert_eq!(
        permission["Condition"]["StringEquals"]["ec2:Subnet"],
        json!([{"Fn::Sub": [
            "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${SubnetId}",
            {"SubnetId": {"Fn::ImportValue": "shared-private-subnet-a"}}
        ]}])
    );
    assert!(template["Resources"].get("PackageSecurityGroup").is_none());
}

/// The only actions allowed on `*`, each because IAM has no resource-level permissions
/// for it (Describe*, GetAuthorizationToken) or because CodeBuild documents it on `*`
/// (the network interfaces it creates at build time).
const DOCUMENTED_STAR_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
    "ecr:GetAuthorizationToken",
];

fn assert_least_privilege(template: &Json) {
    for statement in role_statements(template) {
        let actions = as_list(&statement["Action"]);
        for action in &actions {
            let action = action.as_str().expect("string actions");
            assert_ne!(action, "iam:PassRole", "{statement}");
            assert!(
                !action.ends_with(":*") && action != "*",
                "wildcard action in {statement}"
            );
        }
        if as_list(&statement["Resource"]).contains(&json!("*")) {
            for action in &actions {
                assert!(
                    DOCUMENTED_STAR_ACTIONS.contains(&action.as_str().unwrap_or("")),
                    "`{action}` on `*` in {statement}"
                );
            }
        }
    }
}

#[test]
fn no_pass_role_and_no_star_resource_except_the_documented_ones() {
    let (mut app, stack) = app_in("us-east-1");
    pipeline_build(&mut app, stack);
    assert_least_privilege(&template(app));

    let (mut app, stack) = app_in("eu-west-1");
    arm_inline_build(&mut app, stack);
    assert_least_privilege(&template(app));

    let (mut app, stack) = app_in("us-east-1");
    let ecr = image("222222222222.dkr.ecr.us-east-1.amazonaws.com/build/python:3.12");
    Project::new(
        &mut app,
        &scope(stack),
        ProjectProps::new(file_source(), ecr),
    )
    .expect("valid");
    assert_least_privilege(&template(app));
}

#[test]
fn the_project_depends_on_the_role_policy_and_uses_the_role() {
    let (mut app, stack) = app_in("us-east-1");
    let project = pipeline_build(&mut app, stack);
    assert_eq!(project.handle().logical_id(), "PackageProject");
    assert_eq!(project.role().handle().logical_id(), "PackageRole");
    assert_eq!(project.physical_name(), "products-api-pipeline-package");
    let template = template(app);
    let resource = &template["Resources"]["PackageProject"];
    assert_eq!(resource["DependsOn"], json!("PackageRoleDefaultPolicy"));
    assert_eq!(
        resource["Properties"]["ServiceRole"],
        json!({"Fn::GetAtt": ["PackageRole", "Arn"]})
    );
    assert_eq!(
        template["Resources"]["PackageRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"],
        json!([{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    );
}

#[test]
fn report_groups_are_named_after_the_project_and_granted_exactly() {
    let (mut app, stack) = app_in("us-east-1");
    pipeline_build(&mut app, stack);
    let template = template(app);
    let resources = &template["Resources"];
    assert_eq!(
        resources["PackageUnitReportGroup"]["Properties"]["Name"],
        json!("products-api-pipeline-package-unit")
    );
    assert_eq!(
        resources["PackageCoverageReportGroup"]["Properties"]["Type"],
        json!("CODE_COVERAGE")
    );
    let statements = role_statements(&template);
    let expected = [
        json!({"Fn::GetAtt": ["PackageUnitReportGroup", "Arn"]}),
        json!({"Fn::GetAtt": ["PackageCoverageReportGroup", "Arn"]}),
    ];
    for action in [
        "codebuild:CreateReportGroup",
        "codebuild:CreateReport",
        "codebuild:UpdateReport",
        "codebuild:BatchPutTestCases",
        "codebuild:BatchPutCodeCoverages",
    ] {
        assert_eq!(resources_of(&statements, action), expected, "{action}");
    }
}

#[test]
fn ecr_images_are_pulled_with_the_role_from_exactly_their_repository() {
    let (mut app, stack) = app_in("us-east-1");
    let ecr = image("222222222222.dkr.ecr.eu-west-1.amazonaws.com/build/python@sha256:0123abcd");
    assert_eq!(
        ecr.source(),
        &ImageSource::Ecr {
            account: "222222222222".into(),
            region: "eu-west-1".into(),
            repository: "build/python".into(),
        }
    );
    Project::new(
        &mut app,
        &scope(stack),
        ProjectProps::new(file_source(), ecr),
    )
    .expect("valid");
    let template = template(app);
    let environment = &template["Resources"]["PackageProject"]["Properties"]["Environment"];
    assert_eq!(
        environment["ImagePullCredentialsType"],
        json!("SERVICE_ROLE")
    );
    let statements = role_statements(&template);
    assert_eq!(
        resources_of(&statements, "ecr:BatchGetImage"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:ecr:eu-west-1:222222222222:repository/build/python"})
        ]
    );
    assert_eq!(
        resources_of(&statements, "ecr:GetAuthorizationToken"),
        [json!("*")]
    );
}

#[test]
fn registry_images_use_codebuild_credentials_unless_a_registry_credential_is_given() {
    for (text, identifier) in [
        (
            "public.ecr.aws/docker/library/python:3.12",
            "public.ecr.aws/docker/library/python:3.12",
        ),
        ("node:20", "node:20"),
        ("library/node:20", "library/node:20"),
    ] {
        let parsed = image(text);
        assert_eq!(parsed.identifier(), identifier);
        assert_eq!(parsed.source(), &ImageSource::Registry);
        assert_eq!(parsed.environment_type(), EnvironmentType::LinuxContainer);
    }
    let (mut app, stack) = app_in("us-east-1");
    Project::new(
        &mut app,
        &scope(stack),
        ProjectProps::new(file_source(), image("node:20")),
    )
    .expect("valid");
    let public = template(app);
    assert_eq!(
        public["Resources"]["PackageProject"]["Properties"]["Environment"]["ImagePullCredentialsType"],
        json!("CODEBUILD")
    );

    let (mut app, stack) = app_in("us-east-1");
    let mut props = ProjectProps::new(
        file_source(),
        image("registry.example.com/team/builder:1.4"),
    );
    props.registry_credential = Some(Val::Lit("ci/registry".into()));
    Project::new(&mut app, &scope(stack), props).expect("valid");
    let template = template(app);
    let environment = &template["Resources"]["PackageProject"]["Properties"]["Environment"];
    assert_eq!(
        environment["ImagePullCredentialsType"],
        json!("SERVICE_ROLE")
    );
    assert_eq!(
        environment["RegistryCredential"],
        json!({"Credential": "ci/registry", "CredentialProvider": "SECRETS_MANAGER"})
    );
    assert_eq!(
        resources_of(&role_statements(&template), "secretsmanager:GetSecretValue"),
        [
            json!({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:ci/registry-??????"})
        ]
    );
}

#[test]
fn custom_images_run_on_arm_on_request() {
    let arm = image("public.ecr.aws/docker/library/python:3.12")
        .on_arm()
        .expect("custom images may run on ARM");
    assert_eq!(arm.environment_type(), EnvironmentType::ArmContainer);
}

#[test]
fn the_curated_alias_table() {
    let table: Vec<(&str, String, EnvironmentType)> = Image::curated_aliases();
    let expected: Vec<(&str, &str, EnvironmentType)> = vec![
        (
            "standard:5.0",
            "aws/codebuild/standard:5.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "standard:6.0",
            "aws/codebuild/standard:6.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "standard:7.0",
            "aws/codebuild/standard:7.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "standard:8.0",
            "aws/codebuild/standard:8.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-x86_64-standard:4.0",
            "aws/codebuild/amazonlinux-x86_64-standard:4.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux2-x86_64-standard:4.0",
            "aws/codebuild/amazonlinux-x86_64-standard:4.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2:4.0",
            "aws/codebuild/amazonlinux-x86_64-standard:4.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-x86_64-standard:5.0",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux2-x86_64-standard:5.0",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2:5.0",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2023:5.0",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-x86_64-standard:6.0",
            "aws/codebuild/amazonlinux-x86_64-standard:6.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux2-x86_64-standard:6.0",
            "aws/codebuild/amazonlinux-x86_64-standard:6.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2023:6.0",
            "aws/codebuild/amazonlinux-x86_64-standard:6.0",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-x86_64-standard:corretto8",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto8",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux2-x86_64-standard:corretto8",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto8",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2:corretto8",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto8",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-x86_64-standard:corretto11",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto11",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux2-x86_64-standard:corretto11",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto11",
            EnvironmentType::LinuxContainer,
        ),
        (
            "al2:corretto11",
            "aws/codebuild/amazonlinux-x86_64-standard:corretto11",
            EnvironmentType::LinuxContainer,
        ),
        (
            "amazonlinux-aarch64-standard:2.0",
            "aws/codebuild/amazonlinux-aarch64-standard:2.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "amazonlinux2-aarch64-standard:2.0",
            "aws/codebuild/amazonlinux-aarch64-standard:2.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "al2-arm:2.0",
            "aws/codebuild/amazonlinux-aarch64-standard:2.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "amazonlinux-aarch64-standard:3.0",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "amazonlinux2-aarch64-standard:3.0",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "al2-arm:3.0",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            EnvironmentType::ArmContainer,
        ),
        (
            "al2023-arm:3.0",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            EnvironmentType::ArmContainer,
        ),
    ];
    let table: Vec<(&str, &str, EnvironmentType)> = table
        .iter()
        .map(|(alias, identifier, platform)| (*alias, identifier.as_str(), *platform))
        .collect();
    assert_eq!(table, expected);
    for (alias, identifier, platform) in expected {
        let parsed = image(alias);
        assert_eq!(
            (parsed.identifier(), parsed.environment_type()),
            (identifier, platform)
        );
        assert_eq!(parsed.source(), &ImageSource::Curated);
        if !alias.starts_with("al2") {
            assert_eq!(
                image(&format!("aws/codebuild/{alias}")).identifier(),
                identifier
            );
        }
    }
}

#[test]
fn compute_aliases_and_their_platforms() {
    let aliases: Vec<(&str, &str)> = Compute::ALL
        .iter()
        .map(|compute| (compute.alias(), compute.as_str()))
        .collect();
    assert_eq!(
        aliases,
        [
            ("small", "BUILD_GENERAL1_SMALL"),
            ("medium", "BUILD_GENERAL1_MEDIUM"),
            ("large", "BUILD_GENERAL1_LARGE"),
            ("xlarge", "BUILD_GENERAL1_XLARGE"),
            ("2xlarge", "BUILD_GENERAL1_2XLARGE"),
        ]
    );
    for compute in Compute::ALL {
        assert_eq!(Compute::parse(compute.alias()), Ok(compute));
    }
    // ARM offers every size in the commercial partition.
    let (mut app, stack) = app_in("us-east-1");
    let mut props = ProjectProps::new(file_source(), image("al2-arm:3.0"));
    props.compute = Compute::X2Large;
    Project::new(&mut app, &scope(stack), props).expect("ARM 2xlarge exists in aws");
}

// ---------------------------------------------------------------------------------------
// Every validation error, with its full message.

fn error_of(props: ProjectProps) -> String {
    error_in("us-east-1", props)
}

fn error_in(region: &str, props: ProjectProps) -> String {
    let (mut app, stack) = app_in(region);
    match Project::new(&mut app, &scope(stack), props) {
        Ok(_) => panic!("expected an error"),
        Err(error) => error.to_string(),
    }
}

fn props_with(change: impl FnOnce(&mut ProjectProps)) -> ProjectProps {
    let mut props = ProjectProps::new(file_source(), image("standard:7.0"));
    change(&mut props);
    props
}

fn inline(spec: BuildSpec) -> ProjectProps {
    ProjectProps::new(
        ProjectSource::NoSource(Box::new(spec)),
        image("standard:7.0"),
    )
}

fn build_only() -> BuildSpec {
    BuildSpec {
        phases: Phases {
            build: Some(Phase::commands(["make"])),
            ..Phases::default()
        },
        ..BuildSpec::default()
    }
}

const VALID_IMAGES: &str = "valid images are a curated alias (standard:5.0|6.0|7.0|8.0; \
amazonlinux-x86_64-standard:4.0|5.0|6.0|corretto8|corretto11, also written \
amazonlinux2-x86_64-standard:<version> or al2:<version>; amazonlinux-aarch64-standard:2.0|3.0, \
also written al2-arm:<version>), an Amazon ECR image \
<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>, or another registry's image with a \
tag (public.ecr.aws/<repository>:<tag>, <name>:<tag> on Docker Hub)";

#[test]
fn image_errors() {
    let message = |text: &str| Image::parse(text).expect_err("invalid image").to_string();
    assert_eq!(
        message("standrd:7.0"),
        format!(
            "codebuild image: unknown image `standrd:7.0` (did you mean `standard:7.0`?); {VALID_IMAGES}"
        )
    );
    assert_eq!(
        message("standard:9.0"),
        format!(
            "codebuild image: unknown image `standard:9.0` (did you mean `standard:5.0`?); {VALID_IMAGES}"
        )
    );
    assert_eq!(
        message("aws/codebuild/windows-base:2019-3.0"),
        format!(
            "codebuild image: unknown image `aws/codebuild/windows-base:2019-3.0`; {VALID_IMAGES}"
        )
    );
    assert_eq!(
        message(""),
        format!("codebuild image: unknown image ``; {VALID_IMAGES}")
    );
    assert_eq!(
        message("my builder:1.0"),
        format!("codebuild image: unknown image `my builder:1.0`; {VALID_IMAGES}")
    );
    assert_eq!(
        message("node"),
        "codebuild image: image `node` has no tag or digest; pin it (`node:<tag>` or \
         `node@sha256:<digest>`) so every build runs the same image"
    );
    assert_eq!(
        image("standard:7.0")
            .on_arm()
            .expect_err("curated")
            .to_string(),
        "codebuild image: `aws/codebuild/standard:7.0` is a curated image with a fixed platform; \
         for ARM builds use amazonlinux-aarch64-standard:3.0 (or :2.0)"
    );
}

#[test]
fn compute_errors() {
    assert_eq!(
        Compute::parse("smal").expect_err("typo").to_string(),
        "codebuild compute: unknown compute type `smal` (did you mean `small`?); valid compute \
         types are small, medium, large, xlarge, 2xlarge"
    );
    assert_eq!(
        Compute::parse("huge").expect_err("unknown").to_string(),
        "codebuild compute: unknown compute type `huge`; valid compute types are small, medium, \
         large, xlarge, 2xlarge"
    );
    let mut props = ProjectProps::new(file_source(), image("al2-arm:3.0"));
    props.compute = Compute::Medium;
    assert_eq!(
        error_in("cn-north-1", props),
        "package: compute type `medium` is not available for ARM_CONTAINER images \
         (`aws/codebuild/amazonlinux-aarch64-standard:3.0`) in the `aws-cn` partition; valid \
         compute types are small, large"
    );
}

#[test]
fn registry_credential_errors() {
    assert_eq!(
        error_of(props_with(
            |props| props.registry_credential = Some(Val::Lit("ci/registry".into()))
        )),
        "package: a registry credential applies only to images of a private registry, but \
         `aws/codebuild/standard:7.0` is a CodeBuild curated image; remove the credential"
    );
    let mut props = ProjectProps::new(
        file_source(),
        image("222222222222.dkr.ecr.us-east-1.amazonaws.com/builder:1"),
    );
    props.registry_credential = Some(Val::Lit("ci/registry".into()));
    assert_eq!(
        error_of(props),
        "package: a registry credential applies only to images of a private registry, but \
         `222222222222.dkr.ecr.us-east-1.amazonaws.com/builder:1` is an Amazon ECR image, pulled \
         with the service role; remove the credential"
    );
}

#[test]
fn timeout_and_limit_errors() {
    for minutes in [4, 2161] {
        assert_eq!(
            error_of(props_with(|props| props.timeout_minutes = Some(minutes))),
            format!(
                "package: a timeout of {minutes} minutes is out of range; CodeBuild accepts 5 to 2160 minutes"
            )
        );
    }
    assert_eq!(
        error_of(props_with(|props| props.queued_timeout_minutes = Some(481))),
        "package: a queued timeout of 481 minutes is out of range; CodeBuild accepts 5 to 480 minutes"
    );
    assert_eq!(
        error_of(props_with(|props| props.concurrent_build_limit = Some(0))),
        "package: a concurrent build limit of 0 allows no builds; give at least 1, or no limit"
    );
    assert_eq!(
        error_of(props_with(|props| props.logs.retention_days = 45)),
        "package: CloudWatch Logs cannot keep build logs for 45 days; valid retentions are 1, 3, \
         5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, \
         3288, 3653"
    );
}

#[test]
fn name_and_description_errors() {
    assert_eq!(
        error_of(props_with(|props| props.name = Some("-bad name".into()))),
        "package: project name `-bad name` is not valid: use 2 to 150 letters, digits, `-` and \
         `_`, starting with a letter or digit"
    );
    assert_eq!(
        error_of(props_with(|props| props.description = Some("x".repeat(256)))),
        "package: the description has 256 characters; CodeBuild allows at most 255"
    );
}

#[test]
fn environment_variable_errors() {
    let with_env = |vars: Vec<EnvVar>| error_of(props_with(|props| props.env = vars));
    assert_eq!(
        with_env(vec![EnvVar::plaintext("", "x")]),
        "package: environment variable #1 has an empty name; give it a name of letters, digits and `_`"
    );
    assert_eq!(
        with_env(vec![EnvVar::plaintext("1ST", "x")]),
        "package: environment variable name `1ST` is not valid: use letters, digits and `_`, not \
         starting with a digit"
    );
    assert_eq!(
        with_env(vec![EnvVar::plaintext("CODEBUILD_X", "x")]),
        "package: environment variable `CODEBUILD_X` uses the prefix `CODEBUILD_`, which \
         CodeBuild reserves for its own variables; choose another name"
    );
    assert_eq!(
        with_env(vec![
            EnvVar::plaintext("STAGE", "a"),
            EnvVar::parameter("STAGE", "/stage"),
        ]),
        "package: environment variable `STAGE` is defined twice; each name may appear once"
    );
    assert_eq!(
        with_env(vec![EnvVar::parameter("DB_HOST", "/app/${host}")]),
        "package: environment variable `DB_HOST` refers to the parameter `/app/${host}`, which is \
         not a valid Parameter Store name: use letters, digits and `_.-/` (e.g. `/app/db-host`), \
         or the parameter's ARN"
    );
    assert_eq!(
        with_env(vec![EnvVar::secret(
            "DB_PASSWORD",
            SecretRef::parse(":password")
        )]),
        "package: environment variable `DB_PASSWORD` refers to a secret without a secret-id; \
         write `<secret-id>` or `<secret-id>:<json-key>` (e.g. `prod/db:password`)"
    );
    assert_eq!(
        with_env(vec![EnvVar::secret(
            "DB_PASSWORD",
            SecretRef::new("prod db")
        )]),
        "package: environment variable `DB_PASSWORD` refers to the secret `prod db`, which is not \
         a valid secret name: use letters, digits and `/_+=.@-`, or the secret's ARN"
    );
}

#[test]
fn vpc_errors() {
    let with_vpc = |subnet_count: usize, groups: Option<Vec<Val<String>>>| {
        error_of(props_with(|props| {
            props.vpc = Some(VpcConfig {
                vpc_id: Val::Lit("vpc-0a1b2c3d4e5f60718".into()),
                subnet_ids: subnets(subnet_count),
                security_group_ids: groups,
            });
        }))
    };
    assert_eq!(
        with_vpc(0, None),
        "package: the VPC configuration lists 0 subnets; CodeBuild needs 1 to 16"
    );
    assert_eq!(
        with_vpc(17, None),
        "package: the VPC configuration lists 17 subnets; CodeBuild needs 1 to 16"
    );
    let groups = |count: usize| (0..count).map(|i| Val::Lit(format!("sg-{i}"))).collect();
    for count in [0, 6] {
        assert_eq!(
            with_vpc(1, Some(groups(count))),
            format!(
                "package: the VPC configuration lists {count} security groups; give 1 to 5, or \
                 none at all to let the project create an egress-only group"
            )
        );
    }
}

#[test]
fn report_group_errors() {
    let with_group = |name: &str| {
        error_of(props_with(|props| {
            props.report_groups = IndexMap::from([(name.to_owned(), ReportGroupProps::test())]);
        }))
    };
    assert_eq!(
        with_group("unit tests"),
        "package: report group name `unit tests` is not valid: use letters, digits, `-` and `_`, \
         starting with a letter or digit, so that `products-api-pipeline-package-<name>` has at \
         most 128 characters"
    );
    assert_eq!(
        with_group(&"r".repeat(100)),
        format!(
            "package: report group name `{}` is not valid: use letters, digits, `-` and `_`, \
             starting with a letter or digit, so that `products-api-pipeline-package-<name>` has \
             at most 128 characters",
            "r".repeat(100)
        )
    );

    let mut spec = build_only();
    spec.reports = IndexMap::from([(
        "coverage".to_owned(),
        ReportFiles {
            files: vec!["coverage.xml".into()],
            file_format: Some(ReportFormat::CoberturaXml),
            ..ReportFiles::default()
        },
    )]);
    let mut props = inline(spec.clone());
    props.report_groups = IndexMap::from([("coverage".to_owned(), ReportGroupProps::test())]);
    assert_eq!(
        error_of(props),
        "package: buildspec report `coverage` has file format COBERTURAXML, but its report group \
         holds test results; use a test format (JUNITXML, CUCUMBERJSON, TESTNGXML, \
         VISUALSTUDIOTRX, NUNITXML, NUNIT3XML)"
    );
    spec.reports[0].file_format = None;
    let mut props = inline(spec.clone());
    props.report_groups = IndexMap::from([("coverage".to_owned(), ReportGroupProps::coverage())]);
    assert_eq!(
        error_of(props),
        "package: buildspec report `coverage` has file format JUNITXML, but its report group \
         holds code coverage; use a coverage format (CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV)"
    );
    assert_eq!(
        error_of(inline(spec)),
        "package: buildspec report `coverage` is not one of the project's report groups (none \
         declared); declare it in report_groups so the role may write to it"
    );
}

#[test]
fn buildspec_errors() {
    assert_eq!(
        error_of(inline(BuildSpec::default())),
        "package: the inline buildspec runs no commands; give at least one phase (install, \
         pre_build, build, post_build) some commands"
    );
    let mut spec = build_only();
    spec.phases.install = Some(Phase::default());
    assert_eq!(
        error_of(inline(spec)),
        "package: buildspec phase `install` has no commands; remove it or give it commands"
    );
    let mut spec = build_only();
    spec.artifacts = Some(ArtifactFiles::default());
    let pipeline = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec.clone()))),
        image("standard:7.0"),
    );
    assert_eq!(
        error_of(pipeline),
        "package: buildspec artifacts `artifacts` list no files; give paths or globs such as `**/*`"
    );
    spec.artifacts = Some(ArtifactFiles {
        files: vec!["**/*".into()],
        secondary: IndexMap::from([("docs".to_owned(), ArtifactFiles::default())]),
        ..ArtifactFiles::default()
    });
    let pipeline = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec.clone()))),
        image("standard:7.0"),
    );
    assert_eq!(
        error_of(pipeline),
        "package: buildspec artifacts `docs` list no files; give paths or globs such as `**/*`"
    );
    if let Some(artifacts) = spec.artifacts.as_mut() {
        artifacts.secondary.clear();
    }
    assert_eq!(
        error_of(inline(spec)),
        "package: a NO_SOURCE project has no artifact output; remove the buildspec's artifacts \
         section or run the project from a pipeline"
    );
    let mut spec = build_only();
    spec.reports = IndexMap::from([("unit".to_owned(), ReportFiles::default())]);
    assert_eq!(
        error_of(inline(spec)),
        "package: buildspec report `unit` lists no files; give paths or globs such as `reports/*.xml`"
    );
    let mut spec = build_only();
    spec.cache_paths = vec!["node_modules/**/*".into()];
    assert_eq!(
        error_of(inline(spec)),
        "package: the buildspec lists cache paths, but the project has no S3 cache or local \
         custom cache to keep them in; set `cache`"
    );
    for file in ["", "/etc/buildspec.yml", "version: 0.2\nphases: {}"] {
        let props = ProjectProps::new(
            ProjectSource::CodePipeline(BuildSpecSource::File(file.into())),
            image("standard:7.0"),
        );
        assert_eq!(
            error_of(props),
            format!(
                "package: buildspec file `{file}` is not a path in the source; give a path \
                 relative to the source root such as `buildspec.yml`"
            )
        );
    }
}

#[test]
fn cache_errors() {
    assert_eq!(
        error_of(props_with(
            |props| props.cache = Some(Cache::Local(Vec::new()))
        )),
        "package: a local cache needs at least one mode: source, docker-layer or custom"
    );
    assert_eq!(
        error_of(props_with(
            |props| props.cache = Some(Cache::Local(vec![LocalCache::DockerLayer]))
        )),
        "package: the local Docker layer cache needs privileged mode; set `privileged` or drop the \
         docker-layer mode"
    );
    let mut props = props_with(|props| {
        props.cache = Some(Cache::Local(vec![LocalCache::DockerLayer]));
        props.privileged = true;
    });
    props.compute = Compute::Small;
    let (mut app, stack) = app_in("us-east-1");
    Project::new(&mut app, &scope(stack), props).expect("privileged Docker layer cache");
}

#[test]
fn errors_at_a_stack_root_name_the_project_logical_id() {
    let (mut app, stack) = app_in("us-east-1");
    let props = props_with(|props| props.timeout_minutes = Some(1));
    let error = Project::new(&mut app, &Scope::root(stack), props).expect_err("invalid");
    assert!(
        error
            .to_string()
            .starts_with("Project: a timeout of 1 minutes"),
        "{error}"
    );
}

#[test]
fn plaintext_values_may_be_expressions() {
    let (mut app, stack) = app_in("us-east-1");
    let props = props_with(|props| {
        props.env = vec![EnvVar::plaintext("REGION", sub("${AWS::Region}"))];
    });
    Project::new(&mut app, &scope(stack), props).expect("valid");
    let template = template(app);
    assert_eq!(
        template["Resources"]["PackageProject"]["Properties"]["Environment"]["EnvironmentVariables"],
        json!([{"Name": "REGION", "Type": "PLAINTEXT", "Value": {"Fn::Sub": "${AWS::Region}"}}])
    );
}

#[test]
fn s3_logs_cache_and_report_exports_are_granted_on_their_prefixes_only() {
    let (mut app, stack) = app_in("us-east-1");
    let key = Key::new(
        &mut app,
        &Scope::root(stack).child("build-data"),
        KeyProps::default(),
    );
    let bucket = Bucket::new(
        &mut app,
        &Scope::root(stack).child("build-data"),
        BucketProps {
            encryption: BucketEncryption::Kms(key),
            ..BucketProps::default()
        },
    );
    let mut props = ProjectProps::new(file_source(), image("standard:7.0"));
    props.logs = LogsProps {
        s3: Some(S3Logs {
            bucket: bucket.clone(),
            prefix: "/build-logs/".into(),
        }),
        ..LogsProps::default()
    };
    props.cache = Some(Cache::S3 {
        bucket: bucket.clone(),
        prefix: "cache".into(),
    });
    props.report_groups = IndexMap::from([(
        "unit".to_owned(),
        ReportGroupProps {
            report_type: ReportType::Test,
            export: ReportExport::S3 {
                bucket,
                prefix: "reports/unit".into(),
                zip: true,
            },
        },
    )]);
    Project::new(&mut app, &scope(stack), props).expect("valid project");
    let template = template(app);
    let objects = |pattern: &str| json!({"Fn::Sub": [format!("${{Arn}}/{pattern}"), {"Arn": {"Fn::GetAtt": ["BuildDataBucket", "Arn"]}}]});
    let statements = role_statements(&template);
    assert_eq!(
        resources_of(&statements, "s3:PutObject"),
        [
            objects("reports/unit/*"),
            objects("build-logs/*"),
            objects("cache/*")
        ]
    );
    assert_eq!(
        resources_of(&statements, "s3:GetObject"),
        [objects("cache/*")]
    );
    assert_eq!(
        resources_of(&statements, "s3:GetBucketLocation"),
        [json!({"Fn::GetAtt": ["BuildDataBucket", "Arn"]})]
    );
    assert_eq!(
        resources_of(&statements, "kms:GenerateDataKey*"),
        [json!({"Fn::GetAtt": ["BuildDataKey", "Arn"]})]
    );
    let project = &template["Resources"]["PackageProject"]["Properties"];
    assert_eq!(
        project["LogsConfig"]["S3Logs"],
        json!({
            "EncryptionDisabled": false,
            "Location": {"Fn::Sub": ["${Bucket}/build-logs", {"Bucket": {"Ref": "BuildDataBucket"}}]},
            "Status": "ENABLED"
        })
    );
    assert_eq!(
        project["Cache"],
        json!({
            "Location": {"Fn::Sub": ["${Bucket}/cache", {"Bucket": {"Ref": "BuildDataBucket"}}]},
            "Type": "S3"
        })
    );
    assert_eq!(
        template["Resources"]["PackageUnitReportGroup"]["Properties"]["ExportConfig"],
        json!({
            "ExportConfigType": "S3",
            "S3Destination": {
                "Bucket": {"Ref": "BuildDataBucket"},
                "EncryptionDisabled": false,
                "Packaging": "ZIP",
                "Path": "reports/unit"
            }
        })
    );
    assert_least_privilege(&template);
}

#[test]
fn a_pipeline_project_may_carry_its_buildspec_inline() {
    let (mut app, stack) = app_in("us-east-1");
    let mut spec = build_only();
    spec.artifacts = Some(ArtifactFiles {
        files: vec!["**/*".into()],
        base_directory: Some("dist".into()),
        ..ArtifactFiles::default()
    });
    let props = ProjectProps::new(
        ProjectSource::CodePipeline(BuildSpecSource::Inline(Box::new(spec.clone()))),
        image("standard:7.0"),
    );
    Project::new(&mut app, &scope(stack), props).expect("valid project");
    let template = template(app);
    let project = &template["Resources"]["PackageProject"]["Properties"];
    assert_eq!(
        project["Source"],
        json!({"BuildSpec": spec.to_yaml(), "Type": "CODEPIPELINE"})
    );
    assert_eq!(project["Artifacts"], json!({"Type": "CODEPIPELINE"}));
}
