//! The `glue/connection` resource entry.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{construct_error, error_at, scope_of};
use crate::constructs::glue::{Connection, ConnectionKind, ConnectionProps, NetworkProps};
use crate::diagnostics::Diagnostics;
use crate::manifest::{BuildContext, Located, ResourceEntry, ResourceKind};

/// A Glue connection: a JDBC database (`jdbc`), optionally inside a VPC (`network`), or
/// only a VPC (`network`). Jobs and crawlers that name it may read its secret and put
/// network interfaces in its subnet. Logical ID `<Name>Connection`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GlueConnectionSpec {
    /// The entry's name in the stack, kebab-case; jobs and crawlers refer to it by it
    /// (`connections: [warehouse]`). The connection's name is the stack name and this
    /// name.
    pub name: Located<String>,
    /// What the connection is for.
    #[serde(default)]
    pub description: Option<String>,
    /// A JDBC database.
    #[serde(default)]
    pub jdbc: Option<JdbcSpec>,
    /// Where in a VPC jobs and crawlers reach it from.
    #[serde(default)]
    pub network: Option<NetworkSpec>,
}

/// A JDBC database. Glue connects with TLS.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JdbcSpec {
    /// `jdbc:<subprotocol>://<host>:<port>/<database>`.
    pub url: Located<String>,
    /// The Secrets Manager secret (name or ARN) with `username` and `password`.
    pub secret: Located<String>,
}

/// A place in a VPC.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// The subnet (`subnet-…`).
    pub subnet: Located<String>,
    /// Security groups (`sg-…`); one needs a self-referencing inbound rule for all TCP
    /// ports.
    pub security_groups: Vec<Located<String>>,
    /// The subnet's Availability Zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
}

/// The `glue/connection` resource entry.
pub struct GlueConnection;

impl ResourceKind for GlueConnection {
    type Spec = GlueConnectionSpec;
    const KEY: &'static str = "glue/connection";

    fn name(spec: &GlueConnectionSpec) -> Option<&Located<String>> {
        Some(&spec.name)
    }

    fn build(
        &self,
        entry: &ResourceEntry<GlueConnectionSpec>,
        cx: &mut BuildContext<'_>,
    ) -> Diagnostics {
        let spec = &entry.spec;
        let (scope, origin) = match scope_of(entry, &spec.name) {
            Ok(found) => found,
            Err(errors) => return errors,
        };
        let mut diagnostics = Diagnostics::new();
        if let Some(jdbc) = &spec.jdbc
            && !jdbc.url.starts_with("jdbc:")
        {
            diagnostics.push(
                error_at(&jdbc.url.span, format!("`{}` is not a JDBC URL", jdbc.url))
                    .expected("`jdbc:<subprotocol>://<host>:<port>/<database>`, e.g. `jdbc:postgresql://db.internal:5432/sales`"),
            );
        }
        if let Some(network) = &spec.network {
            if !network.subnet.starts_with("subnet-") {
                diagnostics.push(
                    error_at(
                        &network.subnet.span,
                        format!("`{}` is not a subnet ID", network.subnet),
                    )
                    .expected("`subnet-…`"),
                );
            }
            for group in network
                .security_groups
                .iter()
                .filter(|group| !group.starts_with("sg-"))
            {
                diagnostics.push(
                    error_at(&group.span, format!("`{group}` is not a security group ID"))
                        .expected("`sg-…`"),
                );
            }
        }
        let kind = match &spec.jdbc {
            Some(jdbc) => ConnectionKind::Jdbc {
                url: jdbc.url.value.clone(),
                secret: jdbc.secret.value.clone(),
            },
            None if spec.network.is_some() => ConnectionKind::Network,
            None => {
                diagnostics.push(
                    error_at(&spec.name.span, "a connection needs `jdbc`, `network`, or both")
                        .help("add `jdbc: { url, secret }` for a database, `network: { subnet, securityGroups }` for a VPC"),
                );
                return diagnostics;
            }
        };
        if !diagnostics.is_empty() {
            return diagnostics;
        }
        let props = ConnectionProps {
            name: None,
            description: spec.description.clone(),
            kind,
            network: spec.network.as_ref().map(|network| NetworkProps {
                subnet_id: network.subnet.value.clone(),
                security_group_ids: network
                    .security_groups
                    .iter()
                    .map(|group| group.value.clone())
                    .collect(),
                availability_zone: network.availability_zone.clone(),
            }),
        };
        match cx.construct(&scope, origin, |app| Connection::new(app, &scope, props)) {
            Ok(connection) => cx.publish(entry, &spec.name, connection),
            Err(error) => diagnostics.push(construct_error(&error, &spec.name)),
        }
        diagnostics
    }
}
