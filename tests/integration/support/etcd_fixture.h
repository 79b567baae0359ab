// A real etcd (Debian's etcd-server, installed by scripts/setup.sh) of one or
// three members on 127.0.0.1 and free ports, with their data in a directory
// of the test: the consensus store of the cluster tests' leadership. Each
// member is stopped by its pid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/status.h"

namespace pb::integration {

class Etcd {
 public:
  // `dir`: the members' data and logs (DIR/nK, DIR/nK.log).
  Etcd(std::string dir, int members) : dir_(std::move(dir)), members_(static_cast<size_t>(members)) {}
  ~Etcd();  // kills every member still running
  Etcd(const Etcd&) = delete;
  Etcd& operator=(const Etcd&) = delete;

  // Starts every member and waits, at most 20 s, until the cluster grants a
  // lease. IOError with the tail of a log otherwise.
  Status Start();
  // "http://127.0.0.1:PORT" of every member, comma-separated (--etcd).
  std::string Endpoints() const;
  // SIGKILL of member `i` (0-based).
  void KillMember(size_t i);
  // The leader key's value ("" when absent or when no quorum answers), read
  // with etcdctl.
  std::string Leader(const std::string& cluster_name) const;
  // The tail of every member's log, for a failure message.
  std::string Logs() const;

 private:
  struct Member {
    uint16_t client_port = 0, peer_port = 0;
    ChildProcess child;
  };
  std::string ClientUrl(size_t i) const { return "http://127.0.0.1:" + std::to_string(members_[i].client_port); }
  std::string PeerUrl(size_t i) const { return "http://127.0.0.1:" + std::to_string(members_[i].peer_port); }

  std::string dir_;
  std::vector<Member> members_;
};

}  // namespace pb::integration
