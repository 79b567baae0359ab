// A real etcd (Debian's etcd-server, installed by scripts/setup.sh) of one
// member on 127.0.0.1 and two free ports, with its data in a directory of the
// test: the consensus store of the cluster tests' leadership. Stopped by its
// pid.
#pragma once

#include <cstdint>
#include <string>

#include "common/process.h"
#include "common/status.h"

namespace pb::integration {

class Etcd {
 public:
  // `data_dir`: etcd's data; `log_file`: its output.
  Etcd(std::string data_dir, std::string log_file) : data_dir_(std::move(data_dir)), log_file_(std::move(log_file)) {}
  ~Etcd();  // kills it
  Etcd(const Etcd&) = delete;
  Etcd& operator=(const Etcd&) = delete;

  // Starts etcd and waits, at most 20 s, until it grants a lease. IOError
  // with the tail of its log otherwise.
  Status Start();
  // "http://127.0.0.1:PORT", the client endpoint.
  std::string Endpoint() const;
  // The leader key's value ("" when absent), read with etcdctl.
  std::string Leader(const std::string& cluster_name) const;

 private:
  std::string data_dir_, log_file_;
  uint16_t client_port_ = 0, peer_port_ = 0;
  ChildProcess child_;
};

}  // namespace pb::integration
