// Shared helpers of the unit tests: temporary directories, whole-file I/O,
// an independent SHA-256, and a Ledger whose group commit reports durability
// to the test (no sleeps: tests wait on a condition variable with a timeout).
#pragma once

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/money.h"
#include "common/sha256.h"
#include "common/status.h"
#include "ledger/data_dir_lock.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "ledger/record.h"

#include "support/temp_dir.h"

namespace pb::testing {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteAll(const std::string& path, std::string_view content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void AppendAll(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot append to " + path);
}

inline bool Exists(const std::string& path) { return std::filesystem::exists(path); }

// Every regular file under `dir` (relative path -> content): compares a
// directory before and after an operation that must not change anything.
// The LOCK at the top is left out: it is not data (ledger/data_dir_lock.h),
// and a refused Ledger::Open may have created it.
inline std::map<std::string, std::string> SnapshotTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string rel = std::filesystem::relative(e.path(), dir).string();
    if (rel == ledger::kLockFileName) continue;
    out[rel + (e.is_directory() ? "/" : "")] = e.is_regular_file() ? ReadAll(e.path().string()) : "";
  }
  return out;
}

// Splits text into lines, each keeping its '\n' (a final piece without one
// is returned as it is).
inline std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

inline std::string Join(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

// SHA-256 straight from OpenSSL (independent of pb::Sha256), as lowercase hex.
inline std::string OpenSslSha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

inline std::string HexToBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string FirstSegment(const std::string& data_dir) {
  return ledger::SegmentPath(data_dir + "/journal", 1);
}

// Writes journal lines (lines[i] is record i + 1) into segments of
// `data_dir`/journal starting at the given seqs.
inline void WriteSegments(const std::string& data_dir, const std::vector<std::string>& lines,
                          const std::vector<uint64_t>& starts) {
  for (size_t s = 0; s < starts.size(); ++s) {
    uint64_t from = starts[s], to = s + 1 < starts.size() ? starts[s + 1] : lines.size() + 1;
    std::string text;
    for (uint64_t seq = from; seq < to; ++seq) text += lines[seq - 1];
    WriteAll(ledger::SegmentPath(data_dir + "/journal", from), text);
  }
}

inline Wei Eth(std::string_view text) {
  auto v = ParseEth(text, Sign::kSigned);
  if (!v.ok()) throw std::runtime_error("bad test amount " + std::string(text));
  return *v;
}

// A Ledger opened on a directory with its group commit started. The test's
// on_durable callback records the durable seq; WaitDurable() blocks on a
// condition variable (bounded by a timeout) until a seq is on disk.
class LedgerHarness {
 public:
  explicit LedgerHarness(std::string data_dir) : dir_(std::move(data_dir)) {}
  ~LedgerHarness() {
    if (ledger_) Crash();
  }

  // Opens the ledger and starts the committer. Returns the Open status.
  Status Open() {
    auto opened = ledger::Ledger::Open(dir_);
    if (!opened.ok()) return opened.status();
    ledger_ = std::move(opened.value());
    {
      std::lock_guard lock(mu_);
      durable_ = ledger_->last_seq();
    }
    return ledger_->Start({[this](uint64_t seq) {
                             std::lock_guard lock(mu_);
                             durable_ = seq;
                             if (on_durable_) on_durable_(seq);
                             cv_.notify_all();
                           },
                           [this](const Status& st) {
                             std::lock_guard lock(mu_);
                             failure_ = st.ToString();
                             cv_.notify_all();
                           }});
  }

  // Also forwarded every durable seq (called on the committer thread).
  void OnDurable(std::function<void(uint64_t)> fn) {
    std::lock_guard lock(mu_);
    on_durable_ = std::move(fn);
  }

  // True once every record through `seq` is durable (false after 10 s or on
  // a journal failure).
  bool WaitDurable(uint64_t seq) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return durable_ >= seq || !failure_.empty(); }) &&
           durable_ >= seq;
  }
  uint64_t durable() {
    std::lock_guard lock(mu_);
    return durable_;
  }

  ledger::Ledger& operator*() { return *ledger_; }
  ledger::Ledger* operator->() { return ledger_.get(); }
  ledger::Ledger* get() { return ledger_.get(); }

  uint64_t Register(const std::string& id, const std::string& address = "0x00000000000000000000000000000000000000a1") {
    ledger::Record r;
    r.type = ledger::RecordType::kRegister;
    r.orchestrator_id = id;
    r.address = address;
    return Submit(std::move(r));
  }
  uint64_t Credit(const std::string& workload_id, const std::string& orchestrator_id, std::string_view eth) {
    ledger::Record r;
    r.type = ledger::RecordType::kWorkload;
    r.workload_id = workload_id;
    r.orchestrator_id = orchestrator_id;
    r.amount = Eth(eth);
    return Submit(std::move(r));
  }
  uint64_t Adjust(const std::string& orchestrator_id, std::string_view delta_eth, const std::string& reason) {
    ledger::Record r;
    r.type = ledger::RecordType::kAdjustment;
    r.orchestrator_id = orchestrator_id;
    r.delta = Eth(delta_eth);
    r.reason = reason;
    return Submit(std::move(r));
  }
  // Submits and returns the seq; fails the test (returning 0) when refused.
  uint64_t Submit(ledger::Record r) {
    auto seq = ledger_->Submit(std::move(r));
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    return seq.ok() ? *seq : 0;
  }

  // Orderly stop: drains the journal and writes the final checkpoint.
  Status Shutdown() {
    Status st = ledger_->Shutdown();
    ledger_.reset();
    return st;
  }
  // A crash after the last record became durable: the journal is drained
  // (group commit stopped) but no checkpoint is written.
  void Crash() {
    ledger_->committer().Stop();
    ledger_.reset();
  }

 private:
  std::string dir_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t durable_ = 0;
  std::string failure_;
  std::function<void(uint64_t)> on_durable_;
};

// A directory the service wrote: orch-1 and orch-2 registered and credited,
// an orderly shutdown (a checkpoint at seq 4), then a credit and a payout
// (seq 5 and 6) and a crash: the checkpoint is behind the journal, and the
// mirrors are complete.
inline void WriteCheckpointedLedger(const std::string& dir) {
  {
    LedgerHarness h(dir);
    ASSERT_TRUE(h.Open().ok());
    h.Register("orch-1");
    h.Register("orch-2");
    h.Credit("w-1", "orch-1", "0.000123");
    h.Credit("w-2", "orch-2", "1");
    ASSERT_TRUE(h.Shutdown().ok());  // checkpoint at seq 4
  }
  LedgerHarness h(dir);
  ASSERT_TRUE(h.Open().ok());
  h.Credit("w-3", "orch-1", "2");
  uint64_t seq = h.Adjust("orch-2", "-0.5", "payout");
  ASSERT_TRUE(h.WaitDurable(seq));
  h.Crash();  // seq 6, checkpoint still at 4
}

// The chain point after the last valid record of a data directory's journal.
inline ledger::ChainPoint JournalEnd(const std::string& data_dir) {
  auto read = ledger::ReadJournal(data_dir + "/journal", ledger::ChainPoint{}, ledger::OnTornTail::kReport,
                                  [](const ledger::Record&, std::string_view) { return Status::Ok(); });
  if (!read.ok()) throw std::runtime_error(read.status().ToString());
  return read->end;
}

// Every record of a data directory's journal, in order.
inline std::vector<ledger::Record> JournalRecords(const std::string& data_dir) {
  std::vector<ledger::Record> out;
  auto read = ledger::ReadJournal(data_dir + "/journal", ledger::ChainPoint{}, ledger::OnTornTail::kReport,
                                  [&](const ledger::Record& r, std::string_view) {
                                    out.push_back(r);
                                    return Status::Ok();
                                  });
  if (!read.ok()) throw std::runtime_error(read.status().ToString());
  return out;
}

// Builds journal lines by hand with a correct hash chain (for journals the
// service would refuse to write, such as a double credit).
class ChainBuilder {
 public:
  // Appends a record (seq and ts filled in) and returns its line.
  std::string Add(ledger::Record r) {
    r.seq = ++seq_;
    if (r.ts_ms == 0) r.ts_ms = 1795000000000 + static_cast<int64_t>(seq_);
    std::string body = ledger::EncodeBody(r);
    prev_ = ledger::ChainHash(prev_, body);
    std::string line = ledger::EncodeLine(prev_, body);
    text_ += line;
    return line;
  }
  const std::string& text() const { return text_; }
  uint64_t seq() const { return seq_; }

 private:
  uint64_t seq_ = 0;
  Digest prev_{};
  std::string text_;
};

inline ledger::Record RegisterRecord(const std::string& id) {
  ledger::Record r;
  r.type = ledger::RecordType::kRegister;
  r.orchestrator_id = id;
  r.address = "0x00000000000000000000000000000000000000a1";
  return r;
}

inline ledger::Record WorkloadRecord(const std::string& wid, const std::string& oid, Wei amount, Wei balance_after) {
  ledger::Record r;
  r.type = ledger::RecordType::kWorkload;
  r.workload_id = wid;
  r.orchestrator_id = oid;
  r.amount = amount;
  r.balance = balance_after;
  return r;
}

}  // namespace pb::testing
