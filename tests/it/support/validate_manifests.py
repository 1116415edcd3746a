"""Validates every YAML document of the given files against a JSON Schema.

Usage: validate_manifests.py SCHEMA FILE...   Prints one line per invalid document and
exits 1 if any is invalid, 0 otherwise.
"""
import json
import re
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `on`, `off`, `yes` and `no` are booleans; cfsynth
    and editors read YAML 1.2, where only `true` and `false` are. Keep 1.2's meaning."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


def _intrinsic(loader, suffix, node):
    """CloudFormation short forms (`!Ref x`, `!GetAtt a.b`, `!Sub …`) as their long form,
    as cfsynth's loader reads them."""
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


Yaml12Loader.add_multi_constructor("!", _intrinsic)


def main() -> int:
    schema_path, *files = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    documents = 0
    for path in files:
        with open(path, encoding="utf-8") as handle:
            for index, document in enumerate(yaml.load_all(handle, Loader=Yaml12Loader)):
                if document is None:
                    continue
                documents += 1
                for error in validator.iter_errors(document):
                    failures += 1
                    where = "/".join(str(part) for part in error.absolute_path)
                    print(f"{path} document {index + 1} at /{where}: {error.message}")
    print(f"validated {documents} documents, {failures} errors")
    return 1 if failures or documents == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
