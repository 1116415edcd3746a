#!/usr/bin/env python3
"""Writes N cfsynth `kind: Pipeline` manifests, one file per pipeline, into a directory.

Each pipeline is the one that bench/cdk/app.js defines N times with AWS CDK:
CodeCommit source `svc-NNNN`@main -> CodeBuild `package` (standard:7.0, small, artifact
`pkg`) -> CloudFormation deploy of stack `svc-NNNN` into 333333333333/eu-west-1.

usage: manifests.py N DIR
"""

import pathlib
import sys

TEMPLATE = """\
kind: Pipeline
name: {svc}
env: {{ account: "111111111111", region: us-east-1 }}
targets:
  prod: {{ account: "333333333333", region: eu-west-1, executionPolicies: [arn:aws:iam::aws:policy/PowerUserAccess] }}
source: {{ codecommit: {{ repo: {svc}, branch: main }} }}
selfMutate: false
stages:
  - name: Build
    actions:
      - build: {{ name: package, image: "standard:7.0", compute: small, buildspec: buildspec.yml, outputs: [pkg] }}
  - name: Prod
    actions:
      - deploy: {{ name: api, target: prod, stack: {svc}, template: "pkg::packaged.yaml" }}
"""


def service_name(i: int) -> str:
    """The name of pipeline `i` (1-based), the same as in bench/cdk/app.js."""
    return f"svc-{i:04d}"


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    n = int(argv[1])
    out = pathlib.Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.yaml"):
        stale.unlink()
    for i in range(1, n + 1):
        svc = service_name(i)
        (out / f"{svc}.yaml").write_text(TEMPLATE.format(svc=svc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
