#!/usr/bin/env bash
# Create the bucket newsdigest publishes to, apply the lifecycle rules, and render the IAM policies.
#
#   infra/bucket/setup.sh BUCKET [PREFIX]
#
# Environment: AWS_ENDPOINT_URL (MinIO, R2, Ceph; unset for AWS S3), AWS_REGION (default us-east-1),
# SKIP_LIFECYCLE=1 (for servers without lifecycle support), and the usual AWS credentials chain — use an
# administrator's credentials here, not the pipeline's.
set -euo pipefail

bucket=${1:?usage: setup.sh BUCKET [PREFIX]}
prefix=${2:-newsdigest}
prefix=${prefix#/}
prefix=${prefix%/}
[[ -n $prefix ]] || { echo "a non-empty PREFIX is required (the policies are scoped to it)" >&2; exit 2; }
region=${AWS_REGION:-us-east-1}
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT_DIR:-$(mktemp -d -t newsdigest-bucket.XXXXXX)}

aws_cmd=(aws --region "$region")
if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then
  aws_cmd+=(--endpoint-url "$AWS_ENDPOINT_URL")
fi

render() {
  sed -e "s|BUCKET|$bucket|g" -e "s|PREFIX|$prefix|g" "$here/$1" >"$out/$1"
}

mkdir -p "$out"
for file in writer-policy.json reader-policy.json lifecycle.json; do
  render "$file"
done

if "${aws_cmd[@]}" s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  echo "bucket $bucket exists"
elif [[ $region == us-east-1 ]]; then
  "${aws_cmd[@]}" s3api create-bucket --bucket "$bucket" >/dev/null
  echo "created bucket $bucket"
else
  "${aws_cmd[@]}" s3api create-bucket --bucket "$bucket" \
    --create-bucket-configuration "LocationConstraint=$region" >/dev/null
  echo "created bucket $bucket in $region"
fi

if [[ -z ${AWS_ENDPOINT_URL:-} ]]; then
  # AWS only: the digest data is not public.
  "${aws_cmd[@]}" s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
fi

if [[ -z ${SKIP_LIFECYCLE:-} ]]; then
  "${aws_cmd[@]}" s3api put-bucket-lifecycle-configuration --bucket "$bucket" \
    --lifecycle-configuration "file://$out/lifecycle.json"
  echo "applied lifecycle rules to $bucket/$prefix/"
fi

echo "IAM policies for s3://$bucket/$prefix/ written to $out/ (writer-policy.json, reader-policy.json)"
echo "pipeline config:  store: {url: s3://$bucket/$prefix${AWS_ENDPOINT_URL:+, endpoint_url: $AWS_ENDPOINT_URL}}"
