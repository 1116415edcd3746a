//! Glue connections: JDBC databases with credentials in Secrets Manager, and plain network
//! connections into a VPC.

use serde_json::{Value as Json, json};

use super::{check_name, construct_path, default_name, escape_sub, glue_arn};
use crate::app::{App, ResourceHandle};
use crate::constructs::iam::{Grantee, Role, Statement};
use crate::constructs::{ConstructError, Scope};
use crate::l1::glue::connection as l1;
use crate::template::{Expr, Val, aws, sub};

/// Glue accepts at most 50 security groups per connection.
const MAX_SECURITY_GROUPS: usize = 50;

/// What a connection connects to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConnectionKind {
    /// A JDBC database. Glue reads the username and password from the secret (a JSON
    /// secret with `username` and `password`) and requires TLS.
    Jdbc {
        /// `jdbc:<subprotocol>://…`, e.g. `jdbc:postgresql://db.internal:5432/sales`.
        url: String,
        /// The Secrets Manager secret, by name or ARN.
        secret: String,
    },
    /// A VPC, for jobs and crawlers that reach data stores there (e.g. S3 through a VPC
    /// endpoint). Needs [`ConnectionProps::network`].
    Network,
}

/// Where in a VPC Glue puts the network interfaces of jobs and crawlers that use the
/// connection.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NetworkProps {
    /// The subnet (`subnet-…`).
    pub subnet_id: String,
    /// Security groups for the interfaces (`sg-…`, 1 to 50). Glue needs one with a
    /// self-referencing inbound rule for all TCP ports.
    pub security_group_ids: Vec<String>,
    /// The subnet's Availability Zone.
    pub availability_zone: Option<String>,
}

/// Properties of a [`Connection`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConnectionProps {
    /// The name (1 to 255 characters). Default: the stack name and construct path in
    /// kebab case.
    pub name: Option<String>,
    /// What the connection is for.
    pub description: Option<String>,
    /// What it connects to.
    pub kind: ConnectionKind,
    /// The VPC placement (required for [`ConnectionKind::Network`]).
    pub network: Option<NetworkProps>,
}

/// A Glue connection. Jobs and crawlers that use it get `glue:GetConnection` on it, read
/// access to its secret, and the network interface permissions Glue needs in its subnet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Connection {
    handle: ResourceHandle,
    name: String,
    secret: Option<String>,
    network: Option<NetworkProps>,
}

impl Connection {
    /// Creates the connection with the logical ID `<Scope>Connection`.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: ConnectionProps,
    ) -> Result<Connection, ConstructError> {
        let path = construct_path(scope, "Connection");
        let name = default_name(app, scope, props.name.as_ref());
        check_name(&path, "connection", &name)?;
        validate(&path, &props)?;
        let (connection_type, properties, secret) = match &props.kind {
            ConnectionKind::Jdbc { url, secret } => (
                l1::ConnectionType::Jdbc,
                Some(json!({
                    "JDBC_CONNECTION_URL": url,
                    "SECRET_ID": secret,
                    "JDBC_ENFORCE_SSL": "true",
                })),
                Some(secret.clone()),
            ),
            ConnectionKind::Network => (l1::ConnectionType::Network, None, None),
        };
        let mut input = l1::ConnectionInput::new(connection_type);
        input.name = Some(Val::Lit(name.clone()));
        input.description = props.description.map(Val::Lit);
        input.connection_properties = properties;
        input.physical_connection_requirements = props.network.as_ref().map(|network| {
            Val::Lit(l1::PhysicalConnectionRequirements {
                subnet_id: Some(Val::Lit(network.subnet_id.clone())),
                security_group_id_list: Some(Val::list(network.security_group_ids.iter())),
                availability_zone: network.availability_zone.clone().map(Val::Lit),
            })
        });
        let connection = l1::Connection::new(aws::account_id(), input);
        Ok(Connection {
            handle: scope.add(app, "Connection", &connection),
            name,
            secret,
            network: props.network,
        })
    }

    /// The name (`Ref`), which makes a job or crawler that uses it depend on it.
    pub fn name(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The name as synthesized.
    pub fn physical_name(&self) -> &str {
        &self.name
    }

    /// `arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:connection/<name>`.
    pub fn arn(&self) -> Expr<String> {
        glue_arn(&format!("connection/{}", self.name))
    }

    /// The connection resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }

    /// Whether it is a JDBC connection.
    pub(super) fn is_jdbc(&self) -> bool {
        self.secret.is_some()
    }

    /// Lets a job or crawler role use the connection.
    pub(super) fn grant_use(&self, app: &mut App, role: &Role) {
        role.add_to_policy(
            app,
            Statement::allow(["glue:GetConnection"]).on([glue_arn("catalog"), self.arn()]),
        );
        if let Some(secret) = &self.secret {
            role.add_to_policy(
                app,
                Statement::allow([
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                ])
                .on([secret_arn(secret)]),
            );
        }
        if let Some(network) = &self.network {
            for statement in network_statements(network) {
                role.add_to_policy(app, statement);
            }
        }
    }
}

fn validate(path: &str, props: &ConnectionProps) -> Result<(), ConstructError> {
    let invalid = |message: String| Err(ConstructError::invalid(path, message));
    match &props.kind {
        ConnectionKind::Jdbc { url, secret } => {
            let subprotocol = url
                .strip_prefix("jdbc:")
                .and_then(|rest| rest.split_once(':'))
                .map(|(subprotocol, _)| subprotocol);
            if subprotocol.is_none_or(str::is_empty) {
                return invalid(format!(
                    "`{url}` is not a JDBC URL; write `jdbc:<subprotocol>://<host>:<port>/<database>`, e.g. `jdbc:postgresql://db.internal:5432/sales`"
                ));
            }
            if secret.is_empty() {
                return invalid(
                    "a JDBC connection needs the name or ARN of the secret with its credentials"
                        .into(),
                );
            }
        }
        ConnectionKind::Network if props.network.is_none() => {
            return invalid(
                "a network connection needs a subnet and security groups to place its network interfaces in".into(),
            );
        }
        ConnectionKind::Network => {}
    }
    if let Some(network) = &props.network {
        if !network.subnet_id.starts_with("subnet-") {
            return invalid(format!(
                "`{}` is not a subnet ID; write `subnet-…`",
                network.subnet_id
            ));
        }
        if network.security_group_ids.is_empty()
            || network.security_group_ids.len() > MAX_SECURITY_GROUPS
        {
            return invalid(format!(
                "the connection lists {} security groups; Glue needs 1 to {MAX_SECURITY_GROUPS}",
                network.security_group_ids.len()
            ));
        }
        if let Some(group) = network
            .security_group_ids
            .iter()
            .find(|group| !group.starts_with("sg-"))
        {
            return invalid(format!(
                "`{group}` is not a security group ID; write `sg-…`"
            ));
        }
    }
    Ok(())
}

/// The ARN pattern of a secret given by name or ARN: in the stack's account and region,
/// with `-??????` for the six random characters Secrets Manager appends to the name.
fn secret_arn(secret: &str) -> Val<String> {
    if secret.starts_with("arn:") {
        Val::Lit(secret.to_owned())
    } else {
        Val::Expr(sub(format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}-??????",
            escape_sub(secret)
        )))
    }
}

/// `arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:<resource>`.
fn ec2_arn(resource: &str) -> Expr<String> {
    sub(format!(
        "arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:{}",
        escape_sub(resource)
    ))
}

/// The permissions Glue documents for jobs and crawlers whose connection puts network
/// interfaces in a VPC, each narrowed as far as IAM allows.
fn network_statements(network: &NetworkProps) -> Vec<Statement> {
    let mut placement = vec![
        ec2_arn(&format!("subnet/{}", network.subnet_id)),
        ec2_arn("network-interface/*"),
    ];
    placement.extend(
        network
            .security_group_ids
            .iter()
            .map(|group| ec2_arn(&format!("security-group/{group}"))),
    );
    vec![
        // These Describe calls have no resource-level permissions in IAM: `*` is the only
        // valid resource. They only read the VPC's configuration.
        Statement::allow([
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcAttribute",
        ])
        .on(["*"]),
        // Interfaces only in the connection's subnet, with its security groups. Their IDs
        // are chosen at run time, so `network-interface/*`.
        Statement::allow(["ec2:CreateNetworkInterface"]).on(placement),
        Statement::allow(["ec2:DeleteNetworkInterface"]).on([ec2_arn("network-interface/*")]),
        // Glue tags the interfaces it creates with the `aws-glue-service-resource` key.
        Statement::allow(["ec2:CreateTags", "ec2:DeleteTags"])
            .on([ec2_arn("network-interface/*")])
            .when(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                Json::from(vec!["aws-glue-service-resource"]),
            ),
    ]
}
