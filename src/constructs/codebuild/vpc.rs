//! Running builds inside a VPC: the project's `VpcConfig`, an egress-only security group
//! when none is given, and the network-interface permissions CodeBuild documents.

use serde_json::Value as Json;

use crate::app::App;
use crate::constructs::iam::Statement;
use crate::constructs::{ConstructError, Scope};
use crate::l1::code_build::project;
use crate::l1::ec2::security_group::{Egress, SecurityGroup};
use crate::template::{Val, sub, sub_with};

/// CodeBuild accepts at most 16 subnets per project.
const MAX_SUBNETS: usize = 16;
/// CodeBuild accepts at most 5 security groups per project.
const MAX_SECURITY_GROUPS: usize = 5;

/// Where builds run inside a VPC.
#[derive(Clone, PartialEq, Debug)]
pub struct VpcConfig {
    /// The VPC.
    pub vpc_id: Val<String>,
    /// Private subnets with a route to the internet or to VPC endpoints (1 to 16).
    pub subnet_ids: Vec<Val<String>>,
    /// Security groups for the build's network interfaces (1 to 5). When `None`, the
    /// project creates one in the VPC that allows outbound traffic only.
    pub security_group_ids: Option<Vec<Val<String>>>,
}

impl VpcConfig {
    pub(super) fn validate(&self, path: &str) -> Result<(), ConstructError> {
        let invalid = |message: String| Err(ConstructError::invalid(path, message));
        if self.subnet_ids.is_empty() || self.subnet_ids.len() > MAX_SUBNETS {
            return invalid(format!(
                "the VPC configuration lists {} subnets; CodeBuild needs 1 to {MAX_SUBNETS}",
                self.subnet_ids.len()
            ));
        }
        if let Some(groups) = &self.security_group_ids
            && (groups.is_empty() || groups.len() > MAX_SECURITY_GROUPS)
        {
            return invalid(format!(
                "the VPC configuration lists {} security groups; give 1 to {MAX_SECURITY_GROUPS}, \
                 or none at all to let the project create an egress-only group",
                groups.len()
            ));
        }
        Ok(())
    }

    /// The L1 `VpcConfig`, creating the security group when none is given.
    pub(super) fn to_l1(
        &self,
        app: &mut App,
        scope: &Scope,
        project_name: &str,
    ) -> project::VpcConfig {
        let security_group_ids = match &self.security_group_ids {
            Some(ids) => ids.clone(),
            None => {
                let mut egress = Egress::new("-1");
                egress.cidr_ip = Some(Val::Lit("0.0.0.0/0".into()));
                egress.description = Some(Val::Lit(
                    "Builds reach package registries and AWS APIs".into(),
                ));
                let mut group = SecurityGroup::new(format!(
                    "CodeBuild project {project_name}: outbound traffic only"
                ));
                group.vpc_id = Some(self.vpc_id.clone());
                group.security_group_egress = Some(Val::Lit(vec![Val::Lit(egress)]));
                let handle = scope.add(app, "SecurityGroup", &group);
                vec![Val::Expr(handle.get_att("GroupId"))]
            }
        };
        project::VpcConfig {
            vpc_id: Some(self.vpc_id.clone()),
            subnets: Some(Val::Lit(self.subnet_ids.clone())),
            security_group_ids: Some(Val::Lit(security_group_ids)),
        }
    }

    /// The permissions CodeBuild documents for builds in a VPC ("Allow CodeBuild access to
    /// AWS services required to create a VPC network interface").
    pub(super) fn statements(&self) -> Vec<Statement> {
        let subnet_arns: Vec<Json> = self
            .subnet_ids
            .iter()
            .map(|subnet| {
                let arn = match subnet {
                    Val::Lit(id) => sub(format!(
                        "arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:subnet/{}",
                        id.replace("${", "${!")
                    )),
                    Val::Expr(_) => sub_with(
                        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${SubnetId}",
                        [("SubnetId", subnet.clone())],
                    ),
                };
                arn.into_node()
            })
            .collect();
        vec![
            // The Describe* calls have no resource-level permissions in IAM, so `*` is the
            // only valid resource. CreateNetworkInterface and DeleteNetworkInterface are on
            // `*` exactly as CodeBuild documents them: CodeBuild creates the interfaces at
            // build time, so their IDs are unknown here; what it may do with them is
            // narrowed by the CreateNetworkInterfacePermission statement below.
            Statement::allow([
                "ec2:CreateNetworkInterface",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
            ])
            .on(["*"]),
            Statement::allow(["ec2:CreateNetworkInterfacePermission"])
                .on([sub(
                    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*",
                )])
                .when("StringEquals", "ec2:Subnet", Json::Array(subnet_arns))
                .when(
                    "StringEquals",
                    "ec2:AuthorizedService",
                    "codebuild.amazonaws.com",
                ),
        ]
    }
}
