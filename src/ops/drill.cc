#include "ops/drill.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <simdjson.h>

#include <csignal>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/file_util.h"
#include "common/money.h"
#include "common/process.h"
#include "common/sha256.h"
#include "ledger/datadir.h"
#include "ledger/totals.h"
#include "ledger/verify.h"
#include "ops/http_client.h"
#include "restore/restorer.h"

namespace pb::ops {
namespace {

constexpr char kLoopback[] = "127.0.0.1";
constexpr int kRequestTimeoutMs = 5000;
constexpr int kStartAttempts = 3;  // a port taken between our probe and the service's bind

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A TCP port of 127.0.0.1 that was free when probed (bound to port 0, read back).
Result<uint16_t> ProbeFreePort() {
  ScopedFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::FromErrno("socket", errno);
  struct sockaddr_in addr {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), &len) != 0) {
    return Status::FromErrno("find a free port on 127.0.0.1", errno);
  }
  return ntohs(addr.sin_port);
}

// 32 hex digits from the kernel's random source: the service's admin token
// for this drill only (passed in its environment, never in argv).
Result<std::string> OneTimeToken() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  Digest bytes{};
  if (!in.read(reinterpret_cast<char*>(bytes.data()), 16)) return Status::IOError("cannot read /dev/urandom");
  return ToHex(bytes).substr(0, 32);
}

std::string LogTail(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok() || text->empty()) return "(no output)";
  return text->size() > 2000 ? "…" + text->substr(text->size() - 2000) : *text;
}

class Drill {
 public:
  Drill(repo::Repository* repo, const repo::SnapshotRef& snapshot, const DrillOptions& options)
      : repo_(repo), snapshot_(snapshot), options_(options) {
    report_.snapshot_id = snapshot.id;
  }

  DrillReport Run() {
    if (MakeTempDir()) {
      bool passed = Step("restore", [&] { return Restore(); }) && Step("start", [&] { return Start(); }) &&
                    Step("balances", [&] { return CompareBalances(); });
      if (passed) {
        report_.recovery_ms = report_.steps[0].ms + report_.steps[1].ms + report_.steps[2].ms;
        passed = Step("stop", [&] { return Stop(); }) && Step("verify", [&] { return Verify(); });
      }
      Step("cleanup", [&] { return Cleanup(); }, OnInterrupt::kRunAnyway);
    }
    return std::move(report_);
  }

 private:
  // Whether a step runs after an interruption (cleanup does).
  enum class OnInterrupt { kSkip, kRunAnyway };
  // Runs one timed step; `fn` returns its detail or the failure.
  template <typename Fn>
  bool Step(const std::string& name, Fn fn, OnInterrupt on_interrupt = OnInterrupt::kSkip) {
    int64_t start = SteadyMs();
    Result<std::string> r = Interrupted() && on_interrupt == OnInterrupt::kSkip
                                ? Result<std::string>(InterruptedStatus())
                                : fn();
    DrillStep step{name, SteadyMs() - start, r.ok(), r.ok() ? *r : r.status().message()};
    report_.steps.push_back(std::move(step));
    return r.ok();
  }

  bool Interrupted() const { return options_.interrupted && options_.interrupted(); }
  static Status InterruptedStatus() { return Status::Unavailable("interrupted by a signal"); }

  bool MakeTempDir() {
    std::string pattern = options_.work_root + "/paymentsctl-drill-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      report_.steps.push_back({"restore", 0, false, Status::FromErrno("create a directory in " + options_.work_root, errno).message()});
      return false;
    }
    report_.temp_dir = pattern;
    data_dir_ = pattern + "/data";
    log_path_ = pattern + "/payments-backend.log";
    return true;
  }

  Result<std::string> Restore() {
    restore::RestoreOptions ro;
    ro.target = data_dir_;
    ro.apply_wal = options_.apply_wal;
    auto result = restore::RunRestore(repo_, snapshot_, ro, nullptr);
    if (!result.ok()) return result.status();
    restored_ = *result;
    const restore::WalReplayReport& wal = result->wal;
    if (wal.lost_from != 0) {
      return Status::Corruption("the shipped records " + std::to_string(wal.lost_from) + "-" +
                                std::to_string(wal.lost_to) + " cannot be applied (" + wal.lost_reason +
                                "): a disaster restore would stop at seq " + std::to_string(wal.lost_from - 1) +
                                "; run `paymentsctl check`");
    }
    if (!result->verified) {
      return Status::Corruption(result->warning + "; a disaster restore of it would bring back no ledger");
    }
    std::string detail = std::to_string(result->files) + " files, " + std::to_string(result->bytes) + " bytes";
    if (wal.objects > 0) {
      detail += ", shipped records " + std::to_string(wal.first_seq) + "-" + std::to_string(wal.last_seq) + " from " +
                std::to_string(wal.objects) + " wal object(s)";
    }
    detail += result->python_era ? ", Python-era files verified"
                                 : ", ledger verified through seq " + std::to_string(result->journal_seq);
    return detail;
  }

  Result<std::string> Start() {
    auto token = OneTimeToken();
    if (!token.ok()) return token.status();
    token_ = *token;
    const int64_t deadline = SteadyMs() + options_.health_timeout_ms;
    for (int attempt = 1;; ++attempt) {
      auto port = ProbeFreePort();
      if (!port.ok()) return port.status();
      port_ = *port;
      SpawnOptions so;
      // The repository password is not the service's business.
      so.extra_env = {"PAYMENTS_API_ADMIN_TOKEN=" + token_, "PAYMENTS_REPO_PASSWORD="};
      so.output_file = log_path_;
      auto child = Spawn({options_.backend, "--data-dir", data_dir_, "--listen",
                          std::string(kLoopback) + ":" + std::to_string(port_)},
                         so);
      if (!child.ok()) return child.status();
      backend_ = std::move(child).value();
      for (;;) {
        int code = 0;
        if (backend_.TryWait(&code)) break;
        auto health = HttpRequest("GET", kLoopback, port_, "/health", {}, kRequestTimeoutMs);
        if (health.ok() && health->status == 200 && health->body.find("\"status\":\"ok\"") != std::string::npos) {
          return options_.backend + " answered /health ok on 127.0.0.1:" + std::to_string(port_);
        }
        if (Interrupted()) return InterruptedStatus();
        if (SteadyMs() > deadline) {
          return Status::Unavailable("payments-backend did not answer /health ok within " +
                                     std::to_string(options_.health_timeout_ms / 1000) + " s; its output: " +
                                     LogTail(log_path_));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      std::string log = LogTail(log_path_);
      if (attempt < kStartAttempts && log.find("in use") != std::string::npos) continue;
      return Status::Unavailable("payments-backend exited before answering /health; its output: " + log);
    }
  }

  Result<ledger::LedgerTotals> Served() {
    auto health = HttpRequest("GET", kLoopback, port_, "/health", {}, kRequestTimeoutMs);
    if (!health.ok()) return health.status();
    ledger::LedgerTotals served;
    simdjson::dom::parser parser;
    simdjson::dom::element h;
    if (parser.parse(health->body).get(h) != simdjson::SUCCESS ||
        h["orchestrators"].get_uint64().get(served.orchestrators) != simdjson::SUCCESS ||
        h["workloads"].get_uint64().get(served.workloads) != simdjson::SUCCESS) {
      return Status::IOError("/health lacks the orchestrators and workloads counts: " + health->body);
    }
    auto sum = ServedBalanceSum();
    if (!sum.ok()) return sum.status();
    served.balance_wei = *sum;
    return served;
  }

  // The sum of the balances the service serves, read page by page
  // (GET /api/balances, following next_offset until it is null).
  Result<Wei> ServedBalanceSum() {
    Wei sum = 0;
    simdjson::dom::parser parser;
    for (uint64_t offset = 0;;) {
      const std::string target = "/api/balances?offset=" + std::to_string(offset) + "&limit=1000";
      auto page = HttpRequest("GET", kLoopback, port_, target, {{"X-Admin-Token", token_}}, kRequestTimeoutMs);
      if (!page.ok()) return page.status();
      if (page->status != 200) {
        return Status::Unavailable("GET " + target + " answered " + std::to_string(page->status));
      }
      simdjson::dom::element doc, next;
      simdjson::dom::object balances;
      if (parser.parse(page->body).get(doc) != simdjson::SUCCESS ||
          doc["balances"].get_object().get(balances) != simdjson::SUCCESS ||
          doc["next_offset"].get(next) != simdjson::SUCCESS) {
        return Status::IOError(target + " is not a page of balances (an object with \"balances\" and \"next_offset\")");
      }
      for (auto [id, value] : balances) {
        std::string_view eth;
        if (value.get_string().get(eth) != simdjson::SUCCESS) {
          return Status::IOError(target + ": a balance is not a string");
        }
        auto wei = ParseEth(eth);
        if (!wei.ok()) return Status::IOError(target + ": " + wei.status().message());
        sum += *wei;
      }
      if (next.is_null()) return sum;
      uint64_t next_offset = 0;
      if (next.get_uint64().get(next_offset) != simdjson::SUCCESS || next_offset <= offset) {
        return Status::IOError(target + ": next_offset does not move forward");
      }
      offset = next_offset;
    }
  }

  Result<std::string> CompareBalances() {
    auto served = Served();
    if (!served.ok()) return served.status();
    const auto& ledger = snapshot_.snapshot.ledger;
    ledger::LedgerTotals expected;
    if (restored_.wal.objects > 0) {
      report_.totals_source = "journal";
      auto scanned = ledger::ScanTotals(ledger::JournalDir(data_dir_), restored_.journal_seq);
      if (!scanned.ok()) return scanned.status();
      expected = *scanned;
    } else if (ledger && ledger->totals) {
      report_.totals_source = "snapshot";
      auto recorded = ledger::DecodeTotals(*ledger->totals);
      if (!recorded.ok()) {
        return Status::Corruption("snapshot " + snapshot_.id + ": " + recorded.status().message() +
                                  " (the snapshot file is damaged: run `paymentsctl check`)");
      }
      expected = *recorded;
    } else if (ledger) {
      report_.totals_source = "replay";
      auto replayed = ledger::ScanTotals(ledger::JournalDir(data_dir_), ledger->seq);
      if (!replayed.ok()) return replayed.status();
      expected = *replayed;
    } else {
      report_.totals_source = "skipped";
      return "served " + ledger::DescribeTotals(*served) +
             "; not compared: the snapshot holds a Python-era directory without journal";
    }
    if (!(*served == expected)) {
      return Status::Corruption("the service holds " + ledger::DescribeTotals(*served) + " but the " +
                                (report_.totals_source == "snapshot" ? "snapshot recorded "
                                 : report_.totals_source == "journal"
                                     ? "restored journal (snapshot + shipped records) holds "
                                     : "snapshot journal replays to ") +
                                ledger::DescribeTotals(expected));
    }
    if (report_.totals_source == "journal") {
      return ledger::DescribeTotals(*served) + " (as the restored journal holds through seq " +
             std::to_string(restored_.journal_seq) + ", the shipped records included)";
    }
    return ledger::DescribeTotals(*served) + (report_.totals_source == "snapshot"
                                                  ? " (as recorded in the snapshot)"
                                                  : " (totals not recorded in this older snapshot: compared with "
                                                    "the replay of its journal)");
  }

  Result<std::string> Stop() {
    backend_.Signal(SIGTERM);
    const int64_t deadline = SteadyMs() + options_.stop_timeout_ms;
    int code = 0;
    while (!backend_.TryWait(&code)) {
      if (SteadyMs() > deadline) {
        backend_.Kill();
        return Status::Unavailable("payments-backend did not stop within " +
                                   std::to_string(options_.stop_timeout_ms / 1000) + " s of SIGTERM (killed)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (code != 0) {
      return Status::Unavailable("payments-backend exited with " + std::to_string(code) + " at SIGTERM; its output: " +
                                 LogTail(log_path_));
    }
    return std::string("stopped with SIGTERM");
  }

  Result<std::string> Verify() {
    ledger::VerifyReport v = ledger::VerifyDataDir(data_dir_);
    if (!v.ok()) return Status::Corruption("verify after the service ran: " + ledger::VerifyReportText(v));
    return "journal through seq " + std::to_string(v.journal_seq) + " and the checkpoint files agree";
  }

  Result<std::string> Cleanup() {
    if (backend_.running()) backend_.Kill();
    std::error_code ec;
    std::filesystem::remove_all(report_.temp_dir, ec);
    report_.temp_removed = !std::filesystem::exists(report_.temp_dir);
    if (!report_.temp_removed) {
      return Status::IOError("could not remove " + report_.temp_dir + ": " + ec.message() + "; remove it by hand");
    }
    return "removed " + report_.temp_dir;
  }

  repo::Repository* repo_;
  const repo::SnapshotRef& snapshot_;
  const DrillOptions& options_;
  DrillReport report_;
  restore::RestoreResult restored_;
  std::string data_dir_, log_path_, token_;
  uint16_t port_ = 0;
  ChildProcess backend_;
};

}  // namespace

DrillReport RunDrill(repo::Repository* repo, const repo::SnapshotRef& snapshot, const DrillOptions& options) {
  return Drill(repo, snapshot, options).Run();
}

}  // namespace pb::ops
