// app/: the executables' entry points. payments-backend: flags and
// environment, the loopback safety rule, the descriptor budget, then the
// ledger, the server and, with --replicate-to, the replicator in a thread.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <tuple>

#include "cli/password.h"
#include "common/log.h"
#include "common/main_guard.h"
#include "common/time_util.h"
#include "common/version.h"
#include "ledger/ledger.h"
#include "replicate/replicator.h"
#include "repo/location.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/service_metrics.h"
#include "server/listen_address.h"
#include "server/open_files.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// The connection-limit flags as given (README.md, "Connection limits").
// Signed, so that a negative value is refused rather than wrapped.
struct LimitFlags {
  int64_t max_connections = 0;
  int64_t fd_reserve = static_cast<int64_t>(pb::server::kDefaultFdReserve);
  std::string idle_timeout = "75s", header_timeout = "10s", body_timeout = "30s", write_timeout = "30s";
  int64_t max_reply_memory_mib = 256;
  int send_buffer_kib = 256;
  int64_t journal_segment_bytes = static_cast<int64_t>(pb::ledger::kSegmentRollBytes);
};

void AddLimitFlags(CLI::App& app, LimitFlags* f) {
  app.add_option("--max-connections", f->max_connections,
                 "connections served at once; more are answered 503 (0: the open-file limit minus --fd-reserve)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--fd-reserve", f->fd_reserve,
                 "descriptors kept for the journal, checkpoints, mirrors and replication, never used by clients")
      ->check(CLI::Range(static_cast<int64_t>(pb::server::kMinFdReserve), int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--idle-timeout", f->idle_timeout, "close a connection with no request started for this long")
      ->capture_default_str();
  app.add_option("--header-timeout", f->header_timeout, "answer 408 when a request header takes longer")
      ->capture_default_str();
  app.add_option("--body-timeout", f->body_timeout, "answer 408 when a request body takes longer")
      ->capture_default_str();
  app.add_option("--write-timeout", f->write_timeout, "close a connection whose client takes longer to read a reply")
      ->capture_default_str();
  app.add_option("--max-reply-memory-mib", f->max_reply_memory_mib,
                 "memory for GET replies over 64 KiB waiting for their clients; over it they are answered 503")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--send-buffer-kib", f->send_buffer_kib,
                 "kernel send buffer of each connection (0: the kernel's autotuning, up to a few MiB)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  app.add_option("--journal-segment-bytes", f->journal_segment_bytes,
                 "start a new journal segment once the current one reaches this size")
      ->check(CLI::Range(int64_t{4096}, int64_t{1} << 40))
      ->capture_default_str();
}

// The limits the flags ask for, checked against the open-file limit (raised
// to the hard limit first). Errors name the flag to change.
pb::Result<pb::server::ConnectionLimits> ResolveLimits(const LimitFlags& f) {
  pb::server::ConnectionLimits limits;
  for (auto [text, name, out] : {std::tuple{&f.idle_timeout, "--idle-timeout", &limits.idle_timeout},
                                 std::tuple{&f.header_timeout, "--header-timeout", &limits.header_timeout},
                                 std::tuple{&f.body_timeout, "--body-timeout", &limits.body_timeout},
                                 std::tuple{&f.write_timeout, "--write-timeout", &limits.write_timeout}}) {
    auto ms = pb::ParseDurationMillis(*text);
    if (!ms.ok()) return pb::Status::InvalidArgument(std::string(name) + ": " + ms.status().message());
    *out = std::chrono::milliseconds(*ms);
  }
  pb::server::OpenFileLimit nofile = pb::server::RaiseOpenFileLimit();
  if (!nofile.warning.empty()) spdlog::warn("{}", nofile.warning);
  if (nofile.raised) spdlog::info("open-file limit raised to the hard limit, {}", nofile.soft);
  auto cap = pb::server::ConnectionCap(nofile.soft, static_cast<size_t>(f.fd_reserve),
                                       static_cast<size_t>(f.max_connections));
  if (!cap.ok()) return cap.status();
  limits.max_connections = *cap;
  limits.max_reply_memory_bytes = static_cast<size_t>(f.max_reply_memory_mib) << 20;
  limits.send_buffer_bytes = f.send_buffer_kib * 1024;
  return limits;
}

int Run(int argc, char** argv) {
  CLI::App app{"payments-backend: the durable payments ledger service"};
  app.set_version_flag("--version", pb::VersionLine("payments-backend"),
                       "print the version and git commit, then exit");
  std::string data_dir = EnvOr("PAYMENTS_DATA_DIR", "./data");
  std::string listen = EnvOr("PAYMENTS_LISTEN", "127.0.0.1:8081");
  int checkpoint_interval = 30;
  app.add_option("--data-dir", data_dir, "data directory (env PAYMENTS_DATA_DIR)")->capture_default_str();
  app.add_option("--listen", listen, "HOST:PORT to listen on (env PAYMENTS_LISTEN)")->capture_default_str();
  app.add_option("--checkpoint-interval", checkpoint_interval, "seconds between background JSON checkpoints")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  pb::repo::Location replicate_to;
  std::string repo_password_file;
  std::string replicate_interval = "1s";
  std::string snapshot_every = "1h";
  app.add_option("--replicate-to", replicate_to.repo,
                 "ship the journal continuously into this repository (password: $PAYMENTS_REPO_PASSWORD or "
                 "--repo-password-file)");
  app.add_option("--repo-password-file", repo_password_file,
                 "file whose first line is the password (a regular file of mode 0600)");
  app.add_option("--replicate-interval", replicate_interval, "with --replicate-to: the shipping interval (RPO)")
      ->capture_default_str();
  app.add_option("--snapshot-every", snapshot_every, "with --replicate-to: time between full snapshots")
      ->capture_default_str();
  LimitFlags limit_flags;
  AddLimitFlags(app, &limit_flags);
  CLI11_PARSE(app, argc, argv);
  std::string token = EnvOr("PAYMENTS_API_ADMIN_TOKEN", "");

  auto address = pb::server::ParseListenAddress(listen);
  if (!address.ok()) {
    spdlog::critical("{}", address.status().message());
    return 2;
  }
  pb::server::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.checkpoint_interval_seconds = checkpoint_interval;
  options.journal_segment_bytes = static_cast<uint64_t>(limit_flags.journal_segment_bytes);
  if (!pb::server::IsLoopbackHost(options.host) && token.empty()) {
    spdlog::critical("refusing to listen on {}: it is not a loopback address and PAYMENTS_API_ADMIN_TOKEN is not "
                     "set, so anyone who can reach it could move money. Set PAYMENTS_API_ADMIN_TOKEN, or listen on "
                     "127.0.0.1",
                     options.host);
    return 2;
  }
  auto limits = ResolveLimits(limit_flags);
  if (!limits.ok()) {
    spdlog::critical("{}", limits.status().message());
    return 2;
  }
  options.limits = *limits;

  std::unique_ptr<pb::server::ServiceMetrics> metrics;  // outlives the ledger's committer thread
  auto ledger = pb::ledger::Ledger::Open(data_dir);
  if (!ledger.ok()) {
    spdlog::critical("cannot open {}: {}", data_dir, ledger.status().ToString());
    return 1;
  }
  pb::server::Api api(ledger->get(), token);
  std::unique_ptr<pb::replicate::Replicator> replicator;
  std::function<pb::replicate::ReplicationStatus()> replication_status;  // with --replicate-to
  if (!replicate_to.repo.empty()) {
    auto interval = pb::ParseDurationMillis(replicate_interval);
    auto every = pb::ParseDurationMillis(snapshot_every);
    auto repo = pb::repo::UnlockRepository(
        replicate_to, [&] { return pb::cli::ReadPassword(repo_password_file, /*confirm=*/false); });
    for (const pb::Status& st : {interval.status(), every.status(), repo.status()}) {
      if (!st.ok()) {
        spdlog::critical("--replicate-to {}: {}", replicate_to.repo, st.ToString());
        return 2;
      }
    }
    pb::replicate::ReplicatorOptions ro;
    std::error_code ec;
    ro.data_dir = std::filesystem::absolute(data_dir, ec).lexically_normal().string();
    if (ec) {
      spdlog::critical("--data-dir {}: cannot make the path absolute: {}", data_dir, ec.message());
      return 1;
    }
    ro.interval = std::chrono::milliseconds(*interval);
    ro.snapshot_every = std::chrono::milliseconds(*every);
    replicator = std::make_unique<pb::replicate::Replicator>(std::move(repo).value(), ro);
    replication_status = [r = replicator.get()] { return r->status(); };
    api.SetReplicationStatus(replication_status);
  }
  metrics = std::make_unique<pb::server::ServiceMetrics>(
      ledger->get(), replication_status, pb::server::BuildInfo{std::string(pb::Version()), std::string(pb::GitCommit())});
  (*ledger)->committer().SetObserver(metrics.get());
  api.SetMetrics(metrics.get());
  pb::server::HttpServer server(ledger->get(), &api, options);
  metrics->AddServerStats([&server] { return server.stats(); });
  pb::Status st = server.Listen();
  if (!st.ok()) {
    spdlog::critical("{}", st.ToString());
    return 1;
  }
  if (replicator) replicator->Start();
  server.Run();
  st = (*ledger)->Shutdown();
  if (!st.ok()) {
    spdlog::error("shutdown: {}", st.ToString());
    return 1;
  }
  if (replicator) {
    st = replicator->Stop();  // ships the records of the final moments
    if (!st.ok()) {
      spdlog::error("replication: {}", st.ToString());
      return 1;
    }
  }
  spdlog::info("stopped cleanly at seq {}", (*ledger)->last_seq());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  pb::InitLogging();
  return pb::RunMain("payments-backend", [&] { return Run(argc, argv); });
}
