#!/usr/bin/env node
// Benchmark app: BENCH_N equivalent CodePipeline pipelines, one stack each, matching the
// cfsynth `kind: Pipeline` manifests that bench/manifests.py writes. Everything is given
// concretely (accounts, regions, imported resources by name/ARN): no context lookups, so
// `cdk synth` needs neither the network nor AWS credentials.
'use strict';

const cdk = require('aws-cdk-lib');
const codebuild = require('aws-cdk-lib/aws-codebuild');
const codecommit = require('aws-cdk-lib/aws-codecommit');
const codepipeline = require('aws-cdk-lib/aws-codepipeline');
const actions = require('aws-cdk-lib/aws-codepipeline-actions');
const iam = require('aws-cdk-lib/aws-iam');

const TOOLING = { account: '111111111111', region: 'us-east-1' };
const TARGET = { account: '333333333333', region: 'eu-west-1' };

const raw = process.env.BENCH_N;
const n = Number(raw === undefined ? '1' : raw);
if (!Number.isInteger(n) || n < 1) {
  throw new Error(`BENCH_N must be a positive integer, got ${JSON.stringify(raw)}`);
}

class ServicePipelineStack extends cdk.Stack {
  constructor(scope, id, svc, props) {
    super(scope, id, props);

    const repo = codecommit.Repository.fromRepositoryName(this, 'Repo', svc);
    const source = new codepipeline.Artifact('source');
    const pkg = new codepipeline.Artifact('pkg');

    const project = new codebuild.PipelineProject(this, 'Package', {
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
    });

    const roleArn = (suffix) =>
      `arn:aws:iam::${TARGET.account}:role/cfsynth-${svc}-${suffix}`;

    new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: svc,
      pipelineType: codepipeline.PipelineType.V2, // as cfsynth emits
      crossAccountKeys: true,
      // One support stack per pipeline and region, as cfsynth does (CDK's default shares
      // one per tooling account and region across every pipeline of the app).
      reuseCrossRegionSupportStacks: false,
      stages: [
        {
          stageName: 'Source',
          actions: [
            new actions.CodeCommitSourceAction({
              actionName: 'source',
              repository: repo,
              branch: 'main',
              output: source,
            }),
          ],
        },
        {
          stageName: 'Build',
          actions: [
            new actions.CodeBuildAction({
              actionName: 'package',
              project,
              input: source,
              outputs: [pkg],
            }),
          ],
        },
        {
          stageName: 'Prod',
          actions: [
            new actions.CloudFormationCreateUpdateStackAction({
              actionName: 'api',
              stackName: svc,
              templatePath: pkg.atPath('packaged.yaml'),
              adminPermissions: false,
              account: TARGET.account,
              region: TARGET.region,
              role: iam.Role.fromRoleArn(this, 'DeployRole', roleArn('deploy'), { mutable: false }),
              deploymentRole: iam.Role.fromRoleArn(this, 'CfnExecRole', roleArn('cfn-exec'), {
                mutable: false,
              }),
            }),
          ],
        },
      ],
    });
  }
}

const app = new cdk.App();
for (let i = 1; i <= n; i++) {
  const svc = `svc-${String(i).padStart(4, '0')}`;
  new ServicePipelineStack(app, `${svc}-pipeline`, svc, { env: TOOLING });
}
app.synth();
