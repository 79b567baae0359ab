// remote/: operating a payments host over SSH — the inventory of hosts, the
// SSH session, pulling and pushing data directories with rsync, the compose
// stack on the host, and the deploy/backup/restore flows built from them.
// docs/remote-operations.md is the contract.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pb::remote {

// One host of the inventory, every field validated (docs/remote-operations.md,
// "Inventory"): nothing here can be interpreted by a shell.
struct Target {
  std::string name;
  std::string host;
  std::string user = "ubuntu";
  int port = 22;
  std::string remote_path;  // absolute, no trailing slash
  std::vector<std::string> compose = {"docker", "compose"};
  std::string health_url = "http://127.0.0.1:8081/health";
  std::string data_owner;  // "UID:GID" for restored/recreated data/, or empty

  std::string DataDir() const { return remote_path + "/data"; }
  // "ubuntu@203.0.113.10:22" for messages.
  std::string Address() const;
};

struct Inventory {
  std::map<std::string, Target> targets;
  std::map<std::string, std::vector<std::string>> groups;
};

// Parses and validates an inventory. InvalidArgument naming the target and
// field for a bad value, an unknown field, or a group naming an unknown target.
Result<Inventory> ParseInventory(std::string_view json);
// Reads `path` and parses it; NotFound when it does not exist.
Result<Inventory> LoadInventory(const std::string& path);

// The targets `spec` names: target or group names separated by commas, each
// target once, in the order named. InvalidArgument for an unknown name (the
// message lists the known ones) or an empty spec.
Result<std::vector<Target>> ResolveTargets(const Inventory& inventory, std::string_view spec);

}  // namespace pb::remote
