#!/bin/sh
# AWS Batch: an array job of N shard scans, then a merge job that depends on the whole array
# (docs/operations.md). The image's entrypoint is `maturity` and Batch cannot put a variable into
# a command, so each child takes its index from AWS_BATCH_JOB_ARRAY_INDEX (`--shard auto/N`)
# and its bundle path from `{shard}` in --evidence-dir.
#   QUEUE=maturity deploy/aws-batch/submit.sh
set -eu
SHARDS=4
BUCKET=maturity-reports
QUEUE=${QUEUE:-maturity}
RUN_ID=${RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)}
PREFIX="s3://$BUCKET/runs/$RUN_ID"

array=$(aws batch submit-job --job-name maturity-scan --job-queue "$QUEUE" \
  --job-definition maturity-scan --array-properties "size=$SHARDS" \
  --parameters "shard=auto/$SHARDS,runId=$RUN_ID,evidence=$PREFIX/shard-{shard}" \
  --query jobId --output text)

bundles=""
i=0
while [ "$i" -lt "$SHARDS" ]; do
  bundles="$bundles,$PREFIX/shard-$i"
  i=$((i + 1))
done

# Batch starts a job that depends on an array job once every child succeeded (a failed child
# fails the merge too); to grade a partial run, submit the merge by hand with --allow-partial.
aws batch submit-job --job-name maturity-merge --job-queue "$QUEUE" \
  --job-definition maturity-scan --depends-on "jobId=$array" \
  --container-overrides "command=merge$bundles,--evidence-dir,$PREFIX/merged,--json,/tmp/report.json" \
  --query jobId --output text
