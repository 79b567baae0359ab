#include "support/etcd_fixture.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/test_support.h"

namespace pb::integration {

Etcd::~Etcd() {
  for (size_t i = 0; i < members_.size(); ++i) KillMember(i);
}

void Etcd::KillMember(size_t i) {
  if (members_[i].child.running()) members_[i].child.Kill();
}

std::string Etcd::Endpoints() const {
  std::string out;
  for (size_t i = 0; i < members_.size(); ++i) out += (i ? "," : "") + ClientUrl(i);
  return out;
}

std::string Etcd::Logs() const {
  std::string out;
  for (size_t i = 0; i < members_.size(); ++i) {
    out += "--- n" + std::to_string(i + 1) + "\n" + FileTail(dir_ + "/n" + std::to_string(i + 1) + ".log", 1500);
  }
  return out;
}

Status Etcd::Start() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IOError("create " + dir_ + ": " + ec.message());
  std::string initial;
  for (size_t i = 0; i < members_.size(); ++i) {
    members_[i].client_port = FreeLoopbackPort();
    members_[i].peer_port = FreeLoopbackPort();
    initial += (i ? "," : "") + ("n" + std::to_string(i + 1)) + "=" + PeerUrl(i);
  }
  for (size_t i = 0; i < members_.size(); ++i) {
    const std::string name = "n" + std::to_string(i + 1);
    SpawnOptions spawn;
    spawn.output_file = dir_ + "/" + name + ".log";
    auto child = Spawn({"etcd", "--name", name, "--data-dir", dir_ + "/" + name, "--listen-client-urls", ClientUrl(i),
                        "--advertise-client-urls", ClientUrl(i), "--listen-peer-urls", PeerUrl(i),
                        "--initial-advertise-peer-urls", PeerUrl(i), "--initial-cluster", initial,
                        "--initial-cluster-state", "new"},
                       spawn);
    if (!child.ok()) return child.status();
    members_[i].child = std::move(child).value();
  }
  for (int attempt = 0; attempt < 400; ++attempt) {
    for (Member& m : members_) {
      int code = 0;
      if (m.child.running() && m.child.TryWait(&code)) {
        return Status::IOError("an etcd member exited with " + std::to_string(code) +
                               " (run scripts/setup.sh to install etcd-server):\n" + Logs());
      }
    }
    RunOutput out = RunBounded({"etcdctl", "--endpoints", Endpoints(), "lease", "grant", "2"}, {"ETCDCTL_API=3"},
                               std::chrono::seconds(5));
    if (out.exit_code == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::IOError("etcd did not answer within 20 s:\n" + Logs());
}

std::string Etcd::Leader(const std::string& cluster_name) const {
  RunOutput out = RunBounded({"etcdctl", "--endpoints", Endpoints(), "--command-timeout", "2s", "get",
                              "--print-value-only", "/payments/" + cluster_name + "/leader"},
                             {"ETCDCTL_API=3"}, std::chrono::seconds(10));
  if (out.exit_code != 0) return "";
  std::string v = out.output;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace pb::integration
