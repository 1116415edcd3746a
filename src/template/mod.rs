//! The CloudFormation template model: typed intrinsics, resources, emitters, validation.
//!
//! ```
//! use cfsynth::template::{Output, Resource, Template, aws, sub};
//! use serde_json::json;
//!
//! let mut template = Template::new().with_description("A topic");
//! let properties = json!({"TopicName": sub("${AWS::StackName}-events")});
//! let topic = template.add_resource(
//!     "Topic",
//!     Resource::raw("AWS::SNS::Topic", properties.as_object().cloned().unwrap_or_default()),
//! );
//! template.add_output("TopicArn", Output::new(topic.ref_::<String>()).exported_as(aws::stack_name()));
//! let body = template.to_json().expect("a valid template");
//! assert!(body.contains("\"Fn::Sub\": \"${AWS::StackName}-events\""));
//! ```

mod emit;
mod expr;
mod model;
mod resource;
mod validate;

pub use emit::{render_json, render_yaml};
pub use expr::*;
pub use model::*;
pub use resource::*;
pub use validate::*;
