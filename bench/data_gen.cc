// bench-data-gen: the large non-ledger files of a payments data directory,
// for the backup benchmark (make bench). Fast enough for gigabytes.
//
//   bench-data-gen audit-log --out audit/payments-audit.log --kib N [--append]
//     JSON request lines shaped like the service's access log (time, method,
//     path, status, latency_ms) with varied ids, statuses and latencies, so the
//     file compresses like a real log rather than like a repeated line.
//   bench-data-gen db-file --out audit/docker.db --kib N [--zero-percent P]
//     4 KiB database-like pages (headers, JSON-ish records, hashes, free space)
//     alternating with regions of written zeros (real blocks, not holes).
//
// Output is deterministic for a given --seed.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>

#include "common/file_util.h"
#include "common/status.h"
#include "common/time_util.h"

using namespace pb;

namespace {

// SplitMix64: tiny, fast, good enough for test data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  // True with probability percent/100.
  bool Percent(unsigned percent) { return Below(100) < percent; }

 private:
  uint64_t s_;
};

// Buffered writer to a file descriptor (created, truncated or appended).
class OutFile {
 public:
  OutFile() = default;
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path, bool append) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
    if (fd_ < 0) return Status::FromErrno("open " + path, errno);
    buf_.reserve(kFlushAt + 64 * 1024);
    return Status::Ok();
  }
  std::string& buf() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kFlushAt ? Flush() : Status::Ok(); }
  Status Flush() {
    Status st = WriteAll(fd_, buf_, path_);
    buf_.clear();
    return st;
  }
  Status Close() {
    Status st = Flush();
    if (::close(fd_) != 0 && st.ok()) st = Status::FromErrno("close " + path_, errno);
    fd_ = -1;
    return st;
  }

 private:
  static constexpr size_t kFlushAt = 4 << 20;
  int fd_ = -1;
  std::string path_;
  std::string buf_;
};

void AppendUint(std::string* out, uint64_t v, int min_digits = 1) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < min_digits) tmp[n++] = '0';
  while (n > 0) out->push_back(tmp[--n]);
}

void AppendHex(std::string* out, Rng& rng, int digits) {
  static const char kHex[] = "0123456789abcdef";
  while (digits > 0) {
    uint64_t v = rng.Next();
    for (int i = 0; i < 16 && digits > 0; ++i, --digits, v >>= 4) out->push_back(kHex[v & 15]);
  }
}

// "2026-11-24T13:36:05.123Z" without going through gmtime (civil-from-days).
void AppendIso8601(std::string* out, int64_t ms) {
  int64_t secs = ms / 1000;
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2);
  AppendUint(out, y, 4);
  out->push_back('-');
  AppendUint(out, m, 2);
  out->push_back('-');
  AppendUint(out, d, 2);
  out->push_back('T');
  AppendUint(out, sod / 3600, 2);
  out->push_back(':');
  AppendUint(out, sod / 60 % 60, 2);
  out->push_back(':');
  AppendUint(out, sod % 60, 2);
  out->push_back('.');
  AppendUint(out, ms % 1000, 3);
  out->push_back('Z');
}

// Latency in microseconds: mostly near `typical_us`, with a long tail.
uint64_t LatencyMicros(Rng& rng, uint64_t typical_us) {
  uint64_t us = typical_us / 2 + rng.Below(typical_us);
  unsigned tail = static_cast<unsigned>(rng.Below(1000));
  if (tail < 50) us *= 2 + rng.Below(8);        // 5%: queueing
  else if (tail < 53) us *= 20 + rng.Below(200);  // 0.3%: stalls
  return us;
}

void AppendOrchestratorId(std::string* out, Rng& rng) {
  out->append("orch-");
  AppendUint(out, rng.Below(4096), 4);
}

// One line as src/server/http_server.cc writes it.
void AppendRequestLine(std::string* out, Rng& rng, int64_t ms) {
  const char* method = "GET";
  std::string path;
  int status = 200;
  uint64_t typical_us = 250;
  unsigned r = static_cast<unsigned>(rng.Below(1000));
  if (r < 520) {  // workload credits, the bulk of the traffic
    method = "POST";
    path = "/api/workloads";
    typical_us = 1800;  // waits for the group commit's fdatasync
    unsigned s = static_cast<unsigned>(rng.Below(100));
    status = s < 91 ? 201 : s < 95 ? 200 : s < 97 ? 409 : s < 99 ? 400 : 422;
  } else if (r < 680) {
    path = "/api/orchestrators/";
    AppendOrchestratorId(&path, rng);
    status = rng.Percent(96) ? 200 : 404;
  } else if (r < 760) {
    path = "/health";
    typical_us = 80;
  } else if (r < 810) {
    path = "/api/workloads/wl-";
    AppendHex(&path, rng, 8);
    path.push_back('-');
    AppendUint(&path, rng.Below(1000000));
    status = rng.Percent(93) ? 200 : 404;
  } else if (r < 860) {
    path = "/api/workloads";
    typical_us = 900;
  } else if (r < 895) {
    path = "/api/balances";
    typical_us = 3000;
  } else if (r < 925) {
    path = "/api/ledger/events";
    typical_us = 1200;
  } else if (r < 945) {
    method = "POST";
    path = "/api/orchestrators/register";
    typical_us = 1700;
    unsigned s = static_cast<unsigned>(rng.Below(100));
    status = s < 30 ? 201 : s < 95 ? 200 : 400;
  } else if (r < 960) {
    method = "POST";
    path = "/api/ledger/adjustments";
    typical_us = 1900;
    status = rng.Percent(90) ? 201 : 422;
  } else if (r < 975) {
    path = "/api/workloads/summary";
  } else if (r < 985) {
    path = "/api/orchestrators";
    typical_us = 600;
  } else if (r < 990) {
    path = "/openapi.json";
  } else {  // scanners and typos
    static const char* kJunk[] = {"/", "/favicon.ico", "/.env", "/wp-login.php", "/api/orchestrator",
                                  "/api/v1/workloads", "/robots.txt", "/metrics"};
    path = kJunk[rng.Below(std::size(kJunk))];
    status = 404;
    typical_us = 60;
  }
  uint64_t us = LatencyMicros(rng, typical_us);
  out->append("{\"time\":\"");
  AppendIso8601(out, ms);
  out->append("\",\"method\":\"");
  out->append(method);
  out->append("\",\"path\":\"");
  out->append(path);
  out->append("\",\"status\":");
  AppendUint(out, status);
  out->append(",\"latency_ms\":");
  AppendUint(out, us / 1000);
  out->push_back('.');
  AppendUint(out, us % 1000, 3);
  out->append("}\n");
}

// Writes about `bytes` of request lines (whole lines; stops at the first line
// that reaches the size). Times start at `start_ms` and advance by random
// gaps averaging `mean_gap_ms`.
Status WriteAuditLog(const std::string& path, bool append, uint64_t bytes, uint64_t seed, int64_t start_ms,
                     uint64_t mean_gap_ms) {
  OutFile out;
  PB_RETURN_IF_ERROR(out.Open(path, append));
  Rng rng(seed);
  int64_t ms = start_ms;
  uint64_t written = 0;
  while (written < bytes) {
    size_t before = out.buf().size();
    AppendRequestLine(&out.buf(), rng, ms);
    written += out.buf().size() - before;
    ms += static_cast<int64_t>(rng.Below(2 * mean_gap_ms + 1));
    PB_RETURN_IF_ERROR(out.MaybeFlush());
  }
  return out.Close();
}

// One 4 KiB page: header, some records, free space (zeros) at the end.
void AppendDbPage(std::string* out, Rng& rng, uint64_t page_no) {
  constexpr size_t kPage = 4096;
  size_t start = out->size();
  // Header: page number, flags, element count (binary, little-endian).
  uint64_t header[2] = {page_no, 0x10 | (rng.Below(4) << 8) | (rng.Below(200) << 16)};
  out->append(reinterpret_cast<const char*>(header), sizeof header);
  size_t fill = kPage * (30 + rng.Below(71)) / 100;  // 30..100 % used
  static const char* kStates[] = {"running", "exited", "created", "paused", "restarting"};
  static const char* kImages[] = {"livepeer/go-livepeer", "postgres", "redis", "nginx", "payments-backend",
                                  "grafana/grafana", "prom/prometheus"};
  while (out->size() - start < fill) {
    switch (rng.Below(3)) {
      case 0: {  // container-like record
        out->append("{\"id\":\"");
        AppendHex(out, rng, 64);
        out->append("\",\"image\":\"");
        out->append(kImages[rng.Below(std::size(kImages))]);
        out->append("@sha256:");
        AppendHex(out, rng, 64);
        out->append("\",\"state\":\"");
        out->append(kStates[rng.Below(std::size(kStates))]);
        out->append("\",\"created\":");
        AppendUint(out, 1700000000000ull + rng.Below(100000000000ull));
        out->append(",\"restart_count\":");
        AppendUint(out, rng.Below(5));
        out->append("}");
        break;
      }
      case 1: {  // raw binary value (hashes, serialized structs)
        size_t n = 16 + rng.Below(240);
        for (size_t i = 0; i < n; i += 8) {
          uint64_t v = rng.Next();
          out->append(reinterpret_cast<const char*>(&v), std::min<size_t>(8, n - i));
        }
        break;
      }
      default: {  // key with a small varint-ish value
        out->append("network/");
        AppendHex(out, rng, 12);
        out->push_back('\0');
        uint32_t v = static_cast<uint32_t>(rng.Below(1u << 20));
        out->append(reinterpret_cast<const char*>(&v), sizeof v);
        break;
      }
    }
  }
  out->resize(start + kPage, '\0');
}

// About `bytes` (rounded up to 4 KiB) of runs of pages and runs of zeros,
// zeros making up about `zero_percent` of the file. Every byte is written.
Status WriteDbFile(const std::string& path, uint64_t bytes, unsigned zero_percent, uint64_t seed) {
  OutFile out;
  PB_RETURN_IF_ERROR(out.Open(path, /*append=*/false));
  Rng rng(seed);
  constexpr uint64_t kPage = 4096;
  uint64_t pages_total = (bytes + kPage - 1) / kPage;
  const uint64_t zero_pages_wanted = pages_total * zero_percent / 100;
  uint64_t page = 0, zero_pages = 0;
  while (page < pages_total) {
    bool zeros = zero_pages < zero_pages_wanted && zero_pages * 100 < page * zero_percent;
    // Data runs of 64 KiB..8 MiB, zero runs of 256 KiB..32 MiB (at most what
    // is still wanted, so the share stays near zero_percent in small files).
    uint64_t run = zeros ? std::min(64 + rng.Below(8 * 1024 - 64), std::max<uint64_t>(64, zero_pages_wanted - zero_pages))
                         : 16 + rng.Below(2 * 1024 - 16);
    run = std::min(run, pages_total - page);
    for (uint64_t i = 0; i < run; ++i, ++page) {
      if (zeros) {
        out.buf().append(kPage, '\0');
        ++zero_pages;
      } else {
        AppendDbPage(&out.buf(), rng, page);
      }
      PB_RETURN_IF_ERROR(out.MaybeFlush());
    }
  }
  return out.Close();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench-data-gen: large audit-log and database files for the backup benchmark"};
  app.require_subcommand(1);

  std::string log_path;
  uint64_t log_kib = 1024;
  uint64_t log_seed = 1;
  bool log_append = false;
  uint64_t log_days = 30;
  auto* log_cmd = app.add_subcommand("audit-log", "JSON request lines like audit/payments-audit.log");
  log_cmd->add_option("--out", log_path, "file to write")->required();
  log_cmd->add_option("--kib", log_kib, "size to write, KiB")->capture_default_str();
  log_cmd->add_option("--seed", log_seed, "random seed")->capture_default_str();
  log_cmd->add_flag("--append", log_append, "append lines timed from now on (otherwise the file is replaced)");
  log_cmd->add_option("--days", log_days, "a new file's lines span this many days up to now")
      ->capture_default_str();

  std::string db_path;
  uint64_t db_kib = 1024;
  uint64_t db_seed = 1;
  unsigned zero_percent = 50;
  auto* db_cmd = app.add_subcommand("db-file", "database-like pages with runs of written zeros");
  db_cmd->add_option("--out", db_path, "file to write (replaced)")->required();
  db_cmd->add_option("--kib", db_kib, "size, KiB")->capture_default_str();
  db_cmd->add_option("--seed", db_seed, "random seed")->capture_default_str();
  db_cmd->add_option("--zero-percent", zero_percent, "share of the file that is zeros")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);

  Status st;
  if (*log_cmd) {
    uint64_t bytes = log_kib * 1024;
    int64_t now = NowMillis();
    // A new log ends now; an appended one starts now (the service ran on).
    constexpr uint64_t kAverageLine = 111;  // measured on this generator's output
    uint64_t lines = std::max<uint64_t>(1, bytes / kAverageLine);
    uint64_t span_ms = log_days * 86400000ull;
    // 2 % short of the span, so the last line is not after now.
    uint64_t mean_gap = log_append ? 250 : std::max<uint64_t>(1, span_ms / lines * 98 / 100);
    int64_t start = log_append ? now : now - static_cast<int64_t>(span_ms);
    st = WriteAuditLog(log_path, log_append, bytes, log_seed, start, mean_gap);
  } else {
    st = WriteDbFile(db_path, db_kib * 1024, zero_percent, db_seed);
  }
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 1;
  }
  return 0;
}
