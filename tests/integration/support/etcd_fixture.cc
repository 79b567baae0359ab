#include "support/etcd_fixture.h"

#include <chrono>
#include <thread>

#include "support/test_support.h"

namespace pb::integration {

Etcd::~Etcd() {
  if (child_.running()) child_.Kill();
}

std::string Etcd::Endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }

Status Etcd::Start() {
  client_port_ = FreeLoopbackPort();
  peer_port_ = FreeLoopbackPort();
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  SpawnOptions spawn;
  spawn.output_file = log_file_;
  auto child = Spawn({"etcd", "--name", "n1", "--data-dir", data_dir_, "--listen-client-urls", Endpoint(),
                      "--advertise-client-urls", Endpoint(), "--listen-peer-urls", peer,
                      "--initial-advertise-peer-urls", peer, "--initial-cluster", "n1=" + peer},
                     spawn);
  if (!child.ok()) return child.status();
  child_ = std::move(child).value();
  for (int i = 0; i < 400; ++i) {
    int code = 0;
    if (child_.TryWait(&code)) {
      return Status::IOError("etcd exited with " + std::to_string(code) +
                             " (run scripts/setup.sh to install etcd-server): " + FileTail(log_file_));
    }
    RunOutput out = RunBounded({"etcdctl", "--endpoints", Endpoint(), "lease", "grant", "2"},
                               {"ETCDCTL_API=3"}, std::chrono::seconds(5));
    if (out.exit_code == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::IOError("etcd did not answer within 20 s: " + FileTail(log_file_));
}

std::string Etcd::Leader(const std::string& cluster_name) const {
  RunOutput out = RunBounded({"etcdctl", "--endpoints", Endpoint(), "get", "--print-value-only",
                              "/payments/" + cluster_name + "/leader"},
                             {"ETCDCTL_API=3"}, std::chrono::seconds(10));
  std::string v = out.output;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace pb::integration
