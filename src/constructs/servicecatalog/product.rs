//! Service Catalog products: CloudFormation templates in versions, each template an asset.

use std::path::PathBuf;

use indexmap::IndexSet;
use serde_json::{Map, Value as Json};

use super::assets::template_asset;
use crate::app::{App, ResourceHandle};
use crate::constructs::{ConstructError, Scope};
use crate::l1::service_catalog::cloud_formation_product::{
    CloudFormationProduct, ProvisioningArtifactProperties, ProvisioningArtifactPropertiesType,
};
use crate::template::{Expr, Val};

/// Where a product version's template comes from.
#[derive(Clone, PartialEq, Debug)]
pub enum ProductTemplate {
    /// A CloudFormation template file (JSON or YAML), read when the product is created.
    File(PathBuf),
    /// A template cfsynth synthesized (see [`ProductTemplate::from_app`]): a name for
    /// messages and the template body.
    Synthesized {
        /// What it is, e.g. the name of the stack it was built in.
        name: String,
        /// The template (JSON).
        body: String,
    },
}

impl ProductTemplate {
    /// The template of an app with exactly one stack, built from constructs: the product's
    /// resources. The stack is synthesized (references resolved, template validated) and
    /// never deployed itself; its environment gives the partition it is checked for.
    pub fn from_app(app: App) -> Result<ProductTemplate, ConstructError> {
        let names: Vec<String> = app
            .stacks()
            .map(|(_, stack)| stack.name().to_owned())
            .collect();
        let [name] = names.as_slice() else {
            return Err(ConstructError::invalid(
                names.join(", "),
                format!(
                    "a product template is one stack, but the app has {}",
                    names.len()
                ),
            ));
        };
        let name = name.clone();
        let assembly = app
            .synth()
            .map_err(|errors| ConstructError::invalid(&name, errors.to_string()))?;
        let body = assembly
            .stacks
            .into_iter()
            .next()
            .map(|stack| stack.body)
            .unwrap_or_default();
        Ok(ProductTemplate::Synthesized { name, body })
    }
}

/// One version (provisioning artifact) of a product.
#[derive(Clone, PartialEq, Debug)]
pub struct ProductVersion {
    /// The version name, e.g. `v1` (no spaces; unique in the product).
    pub name: String,
    /// How it differs from the versions before it.
    pub description: Option<String>,
    /// Its template.
    pub template: ProductTemplate,
}

/// Who supports a product, as shown to the people who launch it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ProductSupport {
    /// How to get support.
    pub description: Option<String>,
    /// A support email address.
    pub email: Option<String>,
    /// A support URL (`https://…`).
    pub url: Option<String>,
}

/// Properties of a [`Product`].
#[derive(Clone, PartialEq, Debug)]
pub struct ProductProps {
    /// The product name.
    pub name: String,
    /// Who owns it.
    pub owner: String,
    /// Who distributes it (e.g. a vendor), when not the owner.
    pub distributor: Option<String>,
    /// What it provisions.
    pub description: Option<String>,
    /// Support details.
    pub support: ProductSupport,
    /// Its versions, oldest first; at least one.
    pub versions: Vec<ProductVersion>,
}

/// A Service Catalog product made of CloudFormation templates
/// (`AWS::ServiceCatalog::CloudFormationProduct`, logical ID `<Scope>Product`).
///
/// Each version's template is an asset (content-hashed key `assets/<sha256>.<ext>` in the
/// asset bucket of the stack's environment, see [`asset_stack`](super::asset_stack)), so a
/// changed template is a new URL that CloudFormation sees as a change.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Product {
    handle: ResourceHandle,
    name: String,
}

impl Product {
    /// Creates a product in `scope`, reading every template file.
    pub fn new(
        app: &mut App,
        scope: &Scope,
        props: ProductProps,
    ) -> Result<Product, ConstructError> {
        let construct = scope.path.clone();
        if props.versions.is_empty() {
            return Err(ConstructError::invalid(
                construct,
                "a product needs at least one version",
            ));
        }
        let mut names: IndexSet<&str> = IndexSet::new();
        for version in &props.versions {
            if version.name.is_empty() || version.name.contains(char::is_whitespace) {
                return Err(ConstructError::invalid(
                    construct,
                    format!(
                        "version name `{}` is empty or has spaces, which Service Catalog does not allow",
                        version.name
                    ),
                ));
            }
            if !names.insert(&version.name) {
                return Err(ConstructError::invalid(
                    construct,
                    format!(
                        "version `{}` is defined twice; version names are unique in a product",
                        version.name
                    ),
                ));
            }
        }
        let mut artifacts = Vec::with_capacity(props.versions.len());
        for version in &props.versions {
            let (source, content, extension) = match &version.template {
                ProductTemplate::File(path) => {
                    let content = std::fs::read(path).map_err(|error| {
                        ConstructError::invalid(
                            &construct,
                            format!(
                                "cannot read the template `{}` of version `{}`: {error}",
                                path.display(),
                                version.name
                            ),
                        )
                    })?;
                    let extension = path
                        .extension()
                        .map(|ext| ext.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "template".into());
                    (path.display().to_string(), content, extension)
                }
                ProductTemplate::Synthesized { name, body } => (
                    format!("synthesized: {name}"),
                    body.clone().into_bytes(),
                    "json".to_owned(),
                ),
            };
            let url = template_asset(app, scope.stack, source, content, &extension);
            let mut info = Map::new();
            info.insert("LoadTemplateFromURL".into(), url.into_node());
            let mut artifact = ProvisioningArtifactProperties::new(Json::Object(info));
            artifact.name = Some(Val::Lit(version.name.clone()));
            artifact.description = version.description.clone().map(Val::Lit);
            artifact.r#type = Some(Val::Lit(
                ProvisioningArtifactPropertiesType::CloudFormationTemplate,
            ));
            artifacts.push(Val::Lit(artifact));
        }
        let mut product = CloudFormationProduct::new(props.name.clone(), props.owner);
        product.description = props.description.map(Val::Lit);
        product.distributor = props.distributor.map(Val::Lit);
        product.support_description = props.support.description.map(Val::Lit);
        product.support_email = props.support.email.map(Val::Lit);
        product.support_url = props.support.url.map(Val::Lit);
        product.provisioning_artifact_parameters = Some(Val::Lit(artifacts));
        Ok(Product {
            handle: scope.add(app, "Product", &product),
            name: props.name,
        })
    }

    /// The product id.
    pub fn id(&self) -> Expr<String> {
        self.handle.ref_()
    }

    /// The product name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The product resource.
    pub fn handle(&self) -> &ResourceHandle {
        &self.handle
    }
}
