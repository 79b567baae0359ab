// ops/: the doctor's EC2 check — whether the instance's root volume is
// deleted with the instance (DeleteOnTermination), through the AWS CLI.
#pragma once

#include <string>

#include "ops/doctor.h"

namespace pb::ops {

struct AwsCheckOptions {
  std::string aws = "aws";   // the AWS CLI (a name searched in PATH, or a path)
  std::string instance_id;   // empty: asked from the instance metadata service, if allowed
  std::string region;        // empty: $AWS_REGION, $AWS_DEFAULT_REGION, the metadata service, `aws configure get region`
  bool use_imds = true;      // false: never contact the instance metadata service (tests)
  bool data_on_root = true;  // from the volume check: makes DeleteOnTermination an error
};

// Info when the AWS CLI is not installed or this is not an EC2 instance;
// warn when no region is configured or `aws ec2 describe-instances` fails;
// otherwise ok, or DeleteOnTermination on the root volume: error when data/
// is on it, warn otherwise, with the modify-instance-attribute command.
// Runs the CLI with argument vectors, bounded to 60 s per call.
Finding CheckRootVolume(const AwsCheckOptions& options);

}  // namespace pb::ops
