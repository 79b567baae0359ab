// app/: the executables' entry points. payments-backend: flags and
// environment, the loopback safety rule, then the ledger, the server and,
// with --replicate-to, the replicator in a thread.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cli/password.h"
#include "common/log.h"
#include "common/main_guard.h"
#include "common/time_util.h"
#include "ledger/ledger.h"
#include "replicate/replicator.h"
#include "repo/location.h"
#include "server/api.h"
#include "server/http_server.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int Run(int argc, char** argv) {
  CLI::App app{"payments-backend: the durable payments ledger service"};
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
  app.add_option("--repo-password-file", repo_password_file, "file whose first line is the password");
  app.add_option("--replicate-interval", replicate_interval, "with --replicate-to: the shipping interval (RPO)")
      ->capture_default_str();
  app.add_option("--snapshot-every", snapshot_every, "with --replicate-to: time between full snapshots")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::string token = EnvOr("PAYMENTS_API_ADMIN_TOKEN", "");

  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    spdlog::critical("--listen '{}' must be HOST:PORT, e.g. 127.0.0.1:8081", listen);
    return 2;
  }
  pb::server::ServerOptions options;
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  if (options.host == "localhost") options.host = "127.0.0.1";
  int port = std::atoi(listen.substr(colon + 1).c_str());
  if (port < 0 || port > 65535 || listen.substr(colon + 1).find_first_not_of("0123456789") != std::string::npos) {
    spdlog::critical("--listen '{}': the port must be a number from 0 to 65535", listen);
    return 2;
  }
  options.port = static_cast<uint16_t>(port);
  options.checkpoint_interval_seconds = checkpoint_interval;
  if (!IsLoopback(options.host) && token.empty()) {
    spdlog::critical("refusing to listen on {}: it is not a loopback address and PAYMENTS_API_ADMIN_TOKEN is not "
                     "set, so anyone who can reach it could move money. Set PAYMENTS_API_ADMIN_TOKEN, or listen on "
                     "127.0.0.1",
                     options.host);
    return 2;
  }

  auto ledger = pb::ledger::Ledger::Open(data_dir);
  if (!ledger.ok()) {
    spdlog::critical("cannot open {}: {}", data_dir, ledger.status().ToString());
    return 1;
  }
  pb::server::Api api(ledger->get(), token);
  std::unique_ptr<pb::replicate::Replicator> replicator;
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
    api.SetReplicationStatus([r = replicator.get()] { return r->status(); });
  }
  pb::server::HttpServer server(ledger->get(), &api, options);
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
