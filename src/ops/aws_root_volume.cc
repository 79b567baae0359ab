#include "ops/aws_root_volume.h"

#include <unistd.h>

#include <simdjson.h>

#include <cstdlib>
#include <sstream>

#include "common/process.h"
#include "ops/http_client.h"

namespace pb::ops {
namespace {

constexpr char kImdsAddress[] = "169.254.169.254";  // link-local, EC2 only
constexpr int kImdsTimeoutMs = 1000;
constexpr int64_t kAwsTimeoutMs = 60000;

const char kCheck[] = "ec2-root-volume";

bool OnPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// IMDSv2: a session token, then one metadata path. "" when unreachable.
std::string Imds(const std::string& path) {
  auto token = HttpRequest("PUT", kImdsAddress, 80, "/latest/api/token",
                           {{"X-aws-ec2-metadata-token-ttl-seconds", "60"}}, kImdsTimeoutMs);
  if (!token.ok() || token->status != 200) return "";
  auto value = HttpRequest("GET", kImdsAddress, 80, "/latest/meta-data/" + path,
                           {{"X-aws-ec2-metadata-token", token->body}}, kImdsTimeoutMs);
  return value.ok() && value->status == 200 ? value->body : "";
}

std::string Trimmed(const std::string& s) {
  const char* space = " \t\r\n";
  size_t begin = s.find_first_not_of(space);
  return begin == std::string::npos ? "" : s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

}  // namespace

Finding CheckRootVolume(const AwsCheckOptions& options) {
  if (!OnPath(options.aws)) {
    return {Severity::kInfo, kCheck, "the AWS CLI is not installed: DeleteOnTermination of the root volume not checked",
            "on EC2: sudo apt-get install awscli, then paymentsctl doctor again"};
  }
  std::string instance = options.instance_id;
  if (instance.empty() && options.use_imds) instance = Trimmed(Imds("instance-id"));
  if (instance.empty()) {
    return {Severity::kInfo, kCheck,
            "no EC2 instance id (not given with --instance-id and the instance metadata service " +
                std::string(options.use_imds ? "did not answer" : "is not asked") + "): root volume not checked",
            ""};
  }
  std::string region = options.region;
  if (region.empty()) region = EnvOr("AWS_REGION", EnvOr("AWS_DEFAULT_REGION", ""));
  if (region.empty() && options.use_imds) region = Trimmed(Imds("placement/region"));
  if (region.empty()) {
    auto configured = RunCaptured({options.aws, "configure", "get", "region"}, "", kAwsTimeoutMs);
    if (configured.ok() && configured->exit_code == 0) region = Trimmed(configured->out);
  }
  if (region.empty()) {
    return {Severity::kWarn, kCheck, "the AWS CLI has no region configured: root volume of " + instance + " not checked",
            "aws configure set region REGION (or --region REGION)"};
  }
  std::vector<std::string> argv = {options.aws,   "ec2",    "describe-instances", "--instance-ids", instance,
                                   "--region", region, "--output",           "json"};
  auto run = RunCaptured(argv, "", kAwsTimeoutMs);
  if (!run.ok() || run->exit_code != 0) {
    std::string why = !run.ok() ? run.status().message()
                      : run->timed_out ? "timed out"
                                       : "exit " + std::to_string(run->exit_code) + ": " + Trimmed(run->err);
    return {Severity::kWarn, kCheck, "aws ec2 describe-instances --instance-ids " + instance + " failed (" + why + ")",
            "grant ec2:DescribeInstances to this host's role, or check with: aws ec2 describe-instances "
            "--instance-ids " + instance + " --region " + region};
  }
  simdjson::dom::parser parser;
  simdjson::dom::element inst;
  std::string_view root_device;
  if (parser.parse(run->out).get(inst) != simdjson::SUCCESS ||
      inst["Reservations"].at(0)["Instances"].at(0).get(inst) != simdjson::SUCCESS ||
      inst["RootDeviceName"].get_string().get(root_device) != simdjson::SUCCESS) {
    return {Severity::kWarn, kCheck, "aws ec2 describe-instances answered without the instance " + instance, ""};
  }
  simdjson::dom::array mappings;
  if (inst["BlockDeviceMappings"].get_array().get(mappings) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : mappings) {
      std::string_view device, volume;
      bool delete_on_termination = false;
      if (m["DeviceName"].get_string().get(device) != simdjson::SUCCESS || device != root_device) continue;
      if (m["Ebs"]["DeleteOnTermination"].get_bool().get(delete_on_termination) != simdjson::SUCCESS) break;
      if (m["Ebs"]["VolumeId"].get_string().get(volume) != simdjson::SUCCESS) volume = "?";
      std::string name = "the root volume " + std::string(volume) + " (" + std::string(root_device) + ") of " + instance;
      if (!delete_on_termination) return {Severity::kOk, kCheck, name + " is kept when the instance terminates", ""};
      return {options.data_on_root ? Severity::kError : Severity::kWarn, kCheck,
              name + " has DeleteOnTermination on: terminating the instance deletes it" +
                  (options.data_on_root ? ", and data/ with it" : ""),
              "aws ec2 modify-instance-attribute --instance-id " + instance + " --region " + region +
                  " --block-device-mappings '[{\"DeviceName\":\"" + std::string(root_device) +
                  "\",\"Ebs\":{\"DeleteOnTermination\":false}}]'"};
    }
  }
  return {Severity::kWarn, kCheck,
          "aws ec2 describe-instances shows no EBS mapping for the root device " + std::string(root_device) + " of " +
              instance,
          ""};
}

}  // namespace pb::ops
