//! The type model of one resource module: the resource struct plus the property types and
//! enums it uses, independent of both the JSON schema and Rust syntax.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};

/// Index of a [`TypeDef`] in [`Module::types`].
pub type TypeId = usize;

/// The resource struct is always the first type of a module.
pub const RESOURCE: TypeId = 0;

/// A CloudFormation resource type name, `AWS::<Service>::<Resource>`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeName {
    /// The full name, e.g. `AWS::S3::Bucket`.
    pub full: String,
    /// The service, e.g. `S3`.
    pub service: String,
    /// The resource, e.g. `Bucket`.
    pub resource: String,
}

impl TypeName {
    /// Parses `AWS::<Service>::<Resource>` (both parts ASCII letters and digits).
    pub fn parse(name: &str) -> Result<TypeName> {
        let valid =
            |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric());
        match name.split("::").collect::<Vec<_>>().as_slice() {
            ["AWS", service, resource] if valid(service) && valid(resource) => Ok(TypeName {
                full: name.to_owned(),
                service: (*service).to_owned(),
                resource: (*resource).to_owned(),
            }),
            _ => Err(Error::new(format!(
                "`{name}` is not a resource type name of the form AWS::Service::Resource"
            ))),
        }
    }
}

/// The Rust type of a schema value.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    /// Untyped JSON (`serde_json::Value`), for what cannot be typed faithfully.
    Json,
    List(Box<Ty>),
    /// A map with string keys.
    Map(Box<Ty>),
    /// A struct or enum of the same module.
    Named(TypeId),
}

impl Ty {
    /// The generated type this type refers to, with the number of lists and maps around it.
    pub fn target(&self) -> Option<(TypeId, usize)> {
        match self {
            Ty::Named(id) => Some((*id, 0)),
            Ty::List(item) | Ty::Map(item) => item.target().map(|(id, depth)| (id, depth + 1)),
            _ => None,
        }
    }

    fn target_mut(&mut self) -> Option<&mut TypeId> {
        match self {
            Ty::Named(id) => Some(id),
            Ty::List(item) | Ty::Map(item) => item.target_mut(),
            _ => None,
        }
    }
}

/// Where a generated type comes from; decides its name (see [`crate::naming`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// The resource itself.
    Resource,
    /// A schema definition (`#/definitions/<name>`).
    Definition(String),
    /// An inline object or string enum of a property, shared by all `owners` (structs)
    /// whose property of that name has the same enum values.
    Derived {
        owners: Vec<TypeId>,
        property: String,
    },
}

/// A struct field: one CloudFormation property.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The CloudFormation property name.
    pub cfn_name: String,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
    /// Set for a field whose struct would otherwise contain itself.
    pub boxed: bool,
}

/// The shape of a generated type.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Struct(Vec<Field>),
    /// A string enum with its values.
    Enum(Vec<String>),
}

/// A generated struct or enum.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// The Rust name, assigned by [`crate::naming::name_types`] once the model is complete.
    pub name: String,
    pub origin: Origin,
    /// The schema description.
    pub doc: Option<String>,
    pub kind: Kind,
}

impl TypeDef {
    /// The fields of a struct; none for an enum.
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            Kind::Struct(fields) => fields,
            Kind::Enum(_) => &[],
        }
    }

    pub fn is_enum(&self) -> bool {
        matches!(self.kind, Kind::Enum(_))
    }
}

/// The model of one resource type.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub type_name: TypeName,
    /// The `Fn::GetAtt` attributes (read-only properties as dotted paths).
    pub attributes: Vec<String>,
    /// The resource struct (at [`RESOURCE`]) and every type it uses.
    pub types: Vec<TypeDef>,
}

impl Module {
    /// Completes a freshly built model: drops the fields that are read-only (JSON pointers
    /// such as `/properties/Arn`) and the types no remaining field uses, then boxes fields
    /// through which a struct would contain itself.
    pub fn finish(&mut self, read_only: &[&str]) {
        let read_only_fields = read_only_fields(&self.types, read_only);
        for (id, def) in self.types.iter_mut().enumerate() {
            if let Kind::Struct(fields) = &mut def.kind {
                let mut index = 0;
                fields.retain(|_| {
                    index += 1;
                    !read_only_fields.contains(&(id, index - 1))
                });
            }
        }
        let live = reachable(&self.types, [RESOURCE], |_| true);
        self.retain(&live);
        box_recursive_fields(&mut self.types);
    }

    /// Keeps the types marked live, renumbering the references to them.
    fn retain(&mut self, live: &[bool]) {
        let mut new_ids = Vec::with_capacity(live.len());
        let mut next = 0;
        for &keep in live {
            new_ids.push(keep.then_some(next));
            next += usize::from(keep);
        }
        let types = std::mem::take(&mut self.types);
        for (mut def, keep) in types.into_iter().zip(live) {
            if !keep {
                continue;
            }
            if let Origin::Derived { owners, .. } = &mut def.origin {
                *owners = owners.iter().filter_map(|&owner| new_ids[owner]).collect();
            }
            if let Kind::Struct(fields) = &mut def.kind {
                for field in fields {
                    if let Some(id) = field.ty.target_mut() {
                        // A live struct only refers to live types.
                        *id = new_ids[*id].unwrap_or(*id);
                    }
                }
            }
            self.types.push(def);
        }
    }
}

/// The `(struct, field index)` pairs that are read-only wherever the struct is used.
///
/// Walks the model from the resource struct, tracking JSON pointers (`/properties/A/B`,
/// `/*` for list items and map values) only while they lead towards a read-only pointer;
/// a struct also reached elsewhere keeps all its fields.
fn read_only_fields(types: &[TypeDef], read_only: &[&str]) -> HashSet<(TypeId, usize)> {
    struct Walk<'a> {
        types: &'a [TypeDef],
        read_only: &'a [&'a str],
        flags: HashMap<(TypeId, usize), bool>,
        writable: Vec<TypeId>,
    }
    impl Walk<'_> {
        fn visit(&mut self, id: TypeId, pointer: &str) {
            let prefix = format!("{pointer}/");
            if !self.read_only.iter().any(|p| p.starts_with(&prefix)) {
                self.writable.push(id);
                return;
            }
            for (index, field) in self.types[id].fields().iter().enumerate() {
                let pointer = format!("{prefix}{}", field.cfn_name);
                *self.flags.entry((id, index)).or_insert(true) &=
                    self.read_only.contains(&pointer.as_str());
                if let Some((target, depth)) = field.ty.target() {
                    self.visit(target, &format!("{pointer}{}", "/*".repeat(depth)));
                }
            }
        }
    }

    let mut walk = Walk {
        types,
        read_only,
        flags: HashMap::new(),
        writable: Vec::new(),
    };
    walk.visit(RESOURCE, "/properties");
    let writable = reachable(types, walk.writable, |_| true);
    walk.flags
        .into_iter()
        .filter(|&((id, _), read_only)| read_only && !writable[id])
        .map(|(key, _)| key)
        .collect()
}

/// Which types are reachable from `roots` through the fields accepted by `follow`.
fn reachable(
    types: &[TypeDef],
    roots: impl IntoIterator<Item = TypeId>,
    follow: impl Fn(&Field) -> bool,
) -> Vec<bool> {
    let mut seen = vec![false; types.len()];
    let mut stack: Vec<TypeId> = roots.into_iter().collect();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        for field in types[id].fields().iter().filter(|f| follow(f)) {
            stack.extend(field.ty.target().map(|(target, _)| target));
        }
    }
    seen
}

/// Marks `boxed` every field holding a struct directly (not in a list or map) from which
/// the field's own struct is reachable the same way, so no struct has infinite size.
fn box_recursive_fields(types: &mut [TypeDef]) {
    let direct = |field: &Field| matches!(field.ty.target(), Some((_, 0)));
    let mut to_box = Vec::new();
    for (id, def) in types.iter().enumerate() {
        for (index, field) in def.fields().iter().enumerate() {
            if let Some((target, 0)) = field.ty.target()
                && reachable(types, [target], direct)[id]
            {
                to_box.push((id, index));
            }
        }
    }
    for (id, index) in to_box {
        if let Kind::Struct(fields) = &mut types[id].kind {
            fields[index].boxed = true;
        }
    }
}
