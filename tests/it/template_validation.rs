//! Every validation error of the template model, with its message.

use cfsynth::template::{
    Output, Parameter, Resource, Template, TemplateError, TemplateErrors, Upload, aws,
    check_body_size, condition, equals, find_in_map, get_att, if_, not, ref_, sub, sub_with,
};
use indexmap::IndexMap;
use serde_json::{Map, Value as Json, json};

fn props(value: Json) -> Map<String, Json> {
    value.as_object().cloned().unwrap_or_default()
}

/// A topic whose `GetAtt` attributes are known, like a generated L1 type.
#[derive(serde::Serialize)]
struct Topic {
    #[serde(rename = "DisplayName", skip_serializing_if = "Option::is_none")]
    display_name: Option<cfsynth::template::Val<String>>,
}

impl cfsynth::template::ResourceType for Topic {
    const TYPE_NAME: &'static str = "AWS::SNS::Topic";
    const ATTRIBUTES: &'static [&'static str] = &["TopicArn", "TopicName"];
}

fn topic(display_name: impl Into<cfsynth::template::Val<String>>) -> Resource {
    Resource::new(&Topic {
        display_name: Some(display_name.into()),
    })
}

fn messages(template: &Template) -> Vec<String> {
    match template.validate() {
        Ok(()) => Vec::new(),
        Err(TemplateErrors(errors)) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_valid_template_passes_and_renders_identically_twice() {
    let mut template = Template::new();
    let stage = template.add_parameter::<String>("Stage", Parameter::string().with_default("test"));
    template.add_condition("IsProd", equals(stage, "prod"));
    template.add_condition("IsNotProd", not(condition("IsProd")));
    template.mappings.insert(
        "Sizes".into(),
        IndexMap::from([(
            "prod".into(),
            IndexMap::from([("Name".into(), json!("big"))]),
        )]),
    );
    let topic_id = template.add_resource(
        "Topic",
        topic(find_in_map::<String>("Sizes", "prod", "Name")),
    );
    template.add_resource(
        "Other",
        topic(if_::<String>(
            "IsProd",
            sub("${Topic.TopicName}-${AWS::Region}"),
            aws::no_value(),
        ))
        .depends_on("Topic"),
    );
    template.add_output(
        "TopicArn",
        Output::new(topic_id.ref_::<String>()).exported_as(sub("${AWS::StackName}-topic")),
    );
    assert_eq!(messages(&template), Vec::<String>::new());
    let first = template.to_json().unwrap();
    assert_eq!(first, template.clone().to_json().unwrap());
    assert_eq!(
        template.to_yaml().unwrap(),
        template.clone().to_yaml().unwrap()
    );
}

#[test]
fn ref_to_an_unknown_name_suggests_a_close_one() {
    let mut template = Template::new();
    template.add_resource(
        "ArtifactBucket",
        Resource::raw("AWS::S3::Bucket", Map::new()),
    );
    template.add_resource(
        "Policy",
        Resource::raw(
            "AWS::S3::BucketPolicy",
            props(json!({"Bucket": {"Ref": "ArtifactBuckt"}})),
        ),
    );
    assert_eq!(
        messages(&template),
        [
            "Resources.Policy.Properties.Bucket.Ref: `Ref` to `ArtifactBuckt`, which is not a resource, \
          parameter or pseudo parameter of this template (did you mean `ArtifactBucket`?)"
        ]
    );
}

#[test]
fn sub_variables_are_checked_like_refs_and_get_atts() {
    let mut template = Template::new();
    template.add_resource("Topic", topic("x"));
    template.add_resource(
        "Copy",
        topic(sub(
            "${Topic.TopicNam}-${Missing}-${!Literal}-${AWS::Region}",
        )),
    );
    template.add_resource("Local", topic(sub_with("${Name}", [("Name", "n".into())])));
    assert_eq!(
        messages(&template),
        [
            "Resources.Copy.Properties.DisplayName.Fn::Sub[0]: `AWS::SNS::Topic` has no attribute \
             `TopicNam` (resource `Topic`); it has: TopicArn, TopicName",
            "Resources.Copy.Properties.DisplayName.Fn::Sub[0]: `Ref` to `Missing`, which is not a \
             resource, parameter or pseudo parameter of this template",
        ]
    );
}

#[test]
fn get_att_on_a_missing_resource_or_attribute() {
    let mut template = Template::new();
    template.add_resource("Topic", topic("x"));
    template.add_resource("A", topic(get_att::<String>("Topik", "TopicName")));
    template.add_resource("B", topic(get_att::<String>("Topic", "Arn")));
    assert_eq!(
        messages(&template),
        [
            "Resources.A.Properties.DisplayName.Fn::GetAtt: `Fn::GetAtt` on `Topik`, which is not a \
             resource of this template (did you mean `Topic`?)",
            "Resources.B.Properties.DisplayName.Fn::GetAtt: `AWS::SNS::Topic` has no attribute `Arn` \
             (resource `Topic`); it has: TopicArn, TopicName",
        ]
    );
}

#[test]
fn raw_resources_accept_any_attribute() {
    let mut template = Template::new();
    template.add_resource("Queue", Resource::raw("AWS::SQS::Queue", Map::new()));
    template.add_resource("A", topic(get_att::<String>("Queue", "Arn")));
    assert_eq!(messages(&template), Vec::<String>::new());
}

#[test]
fn depends_on_and_conditions_must_exist() {
    let mut template = Template::new();
    template.add_condition("IsProd", equals(aws::region(), "eu-west-1"));
    let mut resource = topic("x").depends_on("Nothing");
    resource.condition = Some("IsPrd".into());
    template.add_resource("Topic", resource);
    template.add_resource("Other", topic(if_::<String>("Missing", "a", "b")));
    let mut output = Output::new("v");
    output.condition = Some("Nope".into());
    template.add_output("Out", output);
    assert_eq!(
        messages(&template),
        [
            "Resources.Topic.Condition: condition `IsPrd` is not defined in `Conditions` (did you mean `IsProd`?)",
            "Resources.Topic.DependsOn[0]: `DependsOn` names `Nothing`, which is not a resource of this template",
            "Resources.Other.Properties.DisplayName.Fn::If[0]: condition `Missing` is not defined in `Conditions`",
            "Outputs.Out.Condition: condition `Nope` is not defined in `Conditions`",
        ]
    );
}

#[test]
fn conditions_cannot_refer_to_resources_or_unknown_conditions() {
    let mut template = Template::new();
    template.add_resource("Topic", topic("x"));
    template.add_condition("UsesResource", equals(ref_::<String>("Topic"), "x"));
    template.add_condition("Combined", not(condition("Unknown")));
    assert_eq!(
        messages(&template),
        [
            "Conditions.UsesResource.Fn::Equals[0].Ref: `Ref` to `Topic`, which is not a parameter or \
             pseudo parameter (conditions cannot refer to resources) of this template",
            "Conditions.Combined.Fn::Not[0].Condition: condition `Unknown` is not defined in `Conditions`",
        ]
    );
}

#[test]
fn find_in_map_names_missing_maps_and_keys() {
    let mut template = Template::new();
    template.mappings.insert(
        "Regions".into(),
        IndexMap::from([(
            "us-east-1".into(),
            IndexMap::from([("Ami".into(), json!("ami-1"))]),
        )]),
    );
    template.add_resource(
        "A",
        topic(find_in_map::<String>("Regionz", "us-east-1", "Ami")),
    );
    template.add_resource(
        "B",
        topic(find_in_map::<String>("Regions", "eu-west-1", "Ami")),
    );
    template.add_resource(
        "C",
        topic(find_in_map::<String>("Regions", "us-east-1", "Kernel")),
    );
    template.add_resource(
        "D",
        topic(find_in_map::<String>("Regions", aws::region(), "Ami")),
    );
    assert_eq!(
        messages(&template),
        [
            "Resources.A.Properties.DisplayName.Fn::FindInMap: `Fn::FindInMap` looks up `Regionz`, which `Mappings` does not define",
            "Resources.B.Properties.DisplayName.Fn::FindInMap: `Fn::FindInMap` looks up `Regions.eu-west-1`, which `Mappings` does not define",
            "Resources.C.Properties.DisplayName.Fn::FindInMap: `Fn::FindInMap` looks up `Regions.us-east-1.Kernel`, which `Mappings` does not define",
        ]
    );
}

#[test]
fn malformed_intrinsics_say_what_they_expect() {
    let mut template = Template::new();
    template.add_resource(
        "Bad",
        Resource::raw(
            "AWS::SNS::Topic",
            props(json!({
                "A": {"Fn::If": ["OnlyTwo", "x"]},
                "B": {"Fn::And": [{"Condition": "X"}]},
                "C": {"Fn::GetAtt": "NoDot"},
                "D": {"Ref": 5}
            })),
        ),
    );
    assert_eq!(
        messages(&template),
        [
            "Resources.Bad.Properties.A.Fn::If: `Fn::If` expects [condition name, value if true, value if false]",
            "Resources.Bad.Properties.B.Fn::And: `Fn::And` expects a list of 2 to 10 conditions",
            "Resources.Bad.Properties.C.Fn::GetAtt: `Fn::GetAtt` expects [logical ID, attribute name]",
            "Resources.Bad.Properties.D.Ref: `Ref` expects a logical ID or pseudo parameter name",
        ]
    );
}

#[test]
fn dependency_cycles_are_printed() {
    let mut template = Template::new();
    template.add_resource("A", topic(get_att::<String>("B", "TopicName")));
    template.add_resource("B", topic(sub("${C}")));
    template.add_resource("C", topic("x").depends_on("A"));
    template.add_resource("D", topic("x").depends_on("A"));
    assert_eq!(
        messages(&template),
        ["dependency cycle between resources: A → B → C → A"]
    );
    let self_reference = {
        let mut template = Template::new();
        template.add_resource("Self", topic(ref_::<String>("Self")));
        template
    };
    assert_eq!(
        messages(&self_reference),
        ["dependency cycle between resources: Self → Self"]
    );
}

#[test]
fn logical_ids_must_be_alphanumeric() {
    let mut template = Template::new();
    template.add_resource("my-bucket", topic("x"));
    template.add_resource("", topic("x"));
    template.add_parameter::<String>("Stage_Name", Parameter::string());
    template.add_output("x".repeat(256), Output::new("v"));
    let long = "x".repeat(256);
    assert_eq!(
        messages(&template),
        [
            "Parameters.Stage_Name: logical IDs must be 1 to 255 ASCII letters and digits"
                .to_owned(),
            "Resources.my-bucket: logical IDs must be 1 to 255 ASCII letters and digits".to_owned(),
            "Resources.: logical IDs must be 1 to 255 ASCII letters and digits".to_owned(),
            format!("Outputs.{long}: logical IDs must be 1 to 255 ASCII letters and digits"),
        ]
    );
}

#[test]
fn section_limits_say_how_far_over() {
    let mut template = Template::new();
    for index in 0..502 {
        template.add_resource(format!("Topic{index}"), topic("x"));
    }
    for index in 0..201 {
        template.add_parameter::<String>(format!("P{index}"), Parameter::string());
        template.add_output(format!("O{index}"), Output::new("v"));
        template
            .mappings
            .insert(format!("M{index}"), IndexMap::new());
    }
    assert_eq!(
        messages(&template),
        [
            "Parameters: 201 entries, CloudFormation allows 200 (1 over)",
            "Mappings: 201 entries, CloudFormation allows 200 (1 over)",
            "Resources: 502 entries, CloudFormation allows 500 (2 over)",
            "Outputs: 201 entries, CloudFormation allows 200 (1 over)",
        ]
    );
}

#[test]
fn body_size_limits_for_direct_and_s3_uploads() {
    let body = "x".repeat(51_201);
    assert_eq!(check_body_size(&body, Upload::S3), Ok(()));
    assert_eq!(
        check_body_size(&body, Upload::Direct)
            .unwrap_err()
            .to_string(),
        "the template body is 51201 bytes; a direct upload allows 51200 (1 over)"
    );
    let huge = "x".repeat(1_000_010);
    assert_eq!(
        check_body_size(&huge, Upload::S3).unwrap_err(),
        TemplateError::BodyTooLarge {
            bytes: 1_000_010,
            upload: Upload::S3
        }
    );

    let mut template = Template::new();
    template.add_resource("Topic", topic("x".repeat(1_000_000)));
    let error = template.to_json().unwrap_err().to_string();
    assert!(
        error.starts_with("the template body is 1000") && error.ends_with("over)"),
        "{error}"
    );
}
