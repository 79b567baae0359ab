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

#include "app/cluster_role.h"
#include "common/log.h"
#include "common/main_guard.h"
#include "common/time_util.h"
#include "common/version.h"
#include "ledger/ledger.h"
#include "replicate/replicator.h"
#include "repo/location.h"
#include "secrets/password.h"
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

// Every flag of the service (README.md, "Running the service").
struct BackendFlags {
  std::string data_dir = EnvOr("PAYMENTS_DATA_DIR", "./data");
  std::string listen = EnvOr("PAYMENTS_LISTEN", "127.0.0.1:8081");
  int checkpoint_interval = 30;
  pb::repo::Location replicate_to;
  std::string repo_password_file;
  std::string replicate_interval = "1s";
  std::string snapshot_every = "1h";
  LimitFlags limits;
  pb::app::ClusterFlags cluster;
};

void AddFlags(CLI::App& app, BackendFlags* f) {
  app.add_option("--data-dir", f->data_dir, "data directory (env PAYMENTS_DATA_DIR)")->capture_default_str();
  app.add_option("--listen", f->listen, "HOST:PORT to listen on (env PAYMENTS_LISTEN)")->capture_default_str();
  app.add_option("--checkpoint-interval", f->checkpoint_interval, "seconds between background JSON checkpoints")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--replicate-to", f->replicate_to.repo,
                 "ship the journal continuously into this repository (password: $PAYMENTS_REPO_PASSWORD or "
                 "--repo-password-file)");
  app.add_option("--repo-password-file", f->repo_password_file,
                 "file whose first line is the password (a regular file of mode 0600)");
  app.add_option("--replicate-interval", f->replicate_interval, "with --replicate-to: the shipping interval (RPO)")
      ->capture_default_str();
  app.add_option("--snapshot-every", f->snapshot_every, "with --replicate-to: time between full snapshots")
      ->capture_default_str();
  AddLimitFlags(app, &f->limits);
  pb::app::AddClusterFlags(app, &f->cluster);
}

// The server's options from the flags and the admin token; an error is a
// refusal to start (exit 2) naming what to change.
pb::Result<pb::server::ServerOptions> ServerOptionsOf(const BackendFlags& f, const std::string& token) {
  PB_ASSIGN_OR_RETURN(const auto address, pb::server::ParseListenAddress(f.listen));
  pb::server::ServerOptions options;
  options.host = address.host;
  options.port = address.port;
  options.checkpoint_interval_seconds = f.checkpoint_interval;
  options.journal_segment_bytes = static_cast<uint64_t>(f.limits.journal_segment_bytes);
  if (!pb::server::IsLoopbackHost(options.host) && token.empty()) {
    return pb::Status::InvalidArgument(
        "refusing to listen on " + options.host +
        ": it is not a loopback address and PAYMENTS_API_ADMIN_TOKEN is not set, so anyone who can reach it could "
        "move money. Set PAYMENTS_API_ADMIN_TOKEN, or listen on 127.0.0.1");
  }
  PB_ASSIGN_OR_RETURN(options.limits, ResolveLimits(f.limits));
  return options;
}

// The replicator --replicate-to asks for (not started), or null without
// it. Errors name the flag: the service does not start (exit 2).
pb::Result<std::unique_ptr<pb::replicate::Replicator>> ReplicatorOf(const BackendFlags& f) {
  if (f.replicate_to.repo.empty()) return std::unique_ptr<pb::replicate::Replicator>();
  const auto failed = [&](const pb::Status& st) {
    return pb::Status::InvalidArgument("--replicate-to " + f.replicate_to.repo + ": " + st.ToString());
  };
  auto interval = pb::ParseDurationMillis(f.replicate_interval);
  auto every = pb::ParseDurationMillis(f.snapshot_every);
  auto repo = pb::repo::UnlockRepository(f.replicate_to, [&] {
    return pb::secrets::ReadPassword(
        {.file = f.repo_password_file, .file_flag = "--repo-password-file", .program = "payments-backend"});
  });
  for (const pb::Status& st : {interval.status(), every.status(), repo.status()}) {
    if (!st.ok()) return failed(st);
  }
  pb::replicate::ReplicatorOptions ro;
  std::error_code ec;
  ro.data_dir = std::filesystem::absolute(f.data_dir, ec).lexically_normal().string();
  if (ec) return failed(pb::Status::IOError("--data-dir " + f.data_dir + ": cannot make the path absolute: " +
                                            ec.message()));
  ro.interval = std::chrono::milliseconds(*interval);
  ro.snapshot_every = std::chrono::milliseconds(*every);
  return std::make_unique<pb::replicate::Replicator>(std::move(repo).value(), ro);
}

// Serves until SIGTERM/SIGINT, then shuts the ledger and the replicator
// down; returns the exit code. *metrics receives the service's metrics: the
// caller keeps them alive longer than the ledger's committer thread, which
// reports to them.
int Serve(pb::ledger::Ledger* ledger, pb::server::Api* api, pb::server::ServerOptions options,
          pb::replicate::Replicator* replicator, pb::app::ClusterRole* cluster,
          std::unique_ptr<pb::server::ServiceMetrics>* metrics_out) {
  std::function<pb::replicate::ReplicationStatus()> replication_status;  // with --replicate-to
  if (replicator != nullptr) {
    replication_status = [replicator] { return replicator->status(); };
    api->SetReplicationStatus(replication_status);
  }
  auto& metrics = *metrics_out = std::make_unique<pb::server::ServiceMetrics>(
      ledger, replication_status, pb::server::BuildInfo{std::string(pb::Version()), std::string(pb::GitCommit())});
  ledger->committer().SetObserver(metrics.get());
  api->SetMetrics(metrics.get());
  if (cluster != nullptr) {
    options.commit_gate = cluster->gate();
    api->SetCommitGate(cluster->gate());
  }
  pb::server::HttpServer server(ledger, api, options);
  metrics->AddServerStats([&server] { return server.stats(); });
  pb::Status st = server.Listen();
  if (!st.ok()) {
    spdlog::critical("{}", st.ToString());
    return 1;
  }
  if (cluster != nullptr) {
    st = cluster->Start(&server);
    if (!st.ok()) {
      spdlog::critical("{}", st.ToString());
      return 1;
    }
  }
  if (replicator != nullptr) replicator->Start();
  server.Run();
  if (cluster != nullptr) cluster->Stop();
  st = ledger->Shutdown();
  if (!st.ok()) {
    spdlog::error("shutdown: {}", st.ToString());
    return 1;
  }
  if (replicator != nullptr) {
    st = replicator->Stop();  // ships the records of the final moments
    if (!st.ok()) {
      spdlog::error("replication: {}", st.ToString());
      return 1;
    }
  }
  spdlog::info("stopped cleanly at seq {}", ledger->last_seq());
  return 0;
}

// Exit codes: 0 stopped cleanly, 1 failed (the data directory, the port,
// the shutdown), 2 refused to start on its flags (a usage error, an unsafe
// --listen, limits that do not fit, an unusable --replicate-to).
int Run(int argc, char** argv) {
  CLI::App app{"payments-backend: the durable payments ledger service", "payments-backend"};
  app.set_version_flag("--version", pb::VersionLine("payments-backend"),
                       "print the version and git commit, then exit");
  BackendFlags flags;
  AddFlags(app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or the error
    return code == 0 ? 0 : 2;
  }
  const std::string token = EnvOr("PAYMENTS_API_ADMIN_TOKEN", "");
  auto options = ServerOptionsOf(flags, token);
  if (!options.ok()) {
    spdlog::critical("{}", options.status().message());
    return 2;
  }
  std::unique_ptr<pb::server::ServiceMetrics> metrics;  // outlives the ledger's committer thread
  auto ledger = pb::ledger::Ledger::Open(flags.data_dir);
  if (!ledger.ok()) {
    spdlog::critical("cannot open {}: {}", flags.data_dir, ledger.status().ToString());
    return 1;
  }
  auto replicator = ReplicatorOf(flags);
  if (!replicator.ok()) {
    spdlog::critical("{}", replicator.status().message());
    return 2;
  }
  auto cluster = pb::app::ClusterRole::Make(flags.cluster, ledger->get());
  if (!cluster.ok()) {
    spdlog::critical("{}", cluster.status().message());
    return 2;
  }
  pb::server::Api api(ledger->get(), token);
  return Serve(ledger->get(), &api, *options, replicator->get(), cluster->get(), &metrics);
}

}  // namespace

int main(int argc, char** argv) {
  pb::InitLogging();
  return pb::RunMain("payments-backend", [&] { return Run(argc, argv); });
}
