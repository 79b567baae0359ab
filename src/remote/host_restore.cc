#include "remote/host_restore.h"

#include <filesystem>

#include "remote/deploy.h"
#include "remote/host_stack.h"
#include "remote/rsync.h"
#include "restore/fs_ops.h"
#include "restore/restorer.h"

namespace pb::remote {

void RestoreToHost(const Target& target, SharedRepo* shared, const repo::SnapshotRef& snapshot,
                   const HostRestoreOptions& options, TargetReport* report) {
  report->snapshot_id = snapshot.id;
  auto session = Connect(target, options.ssh, report);
  if (!session.ok()) return;
  HostStack stack(session->get());
  if (!CheckHost(&stack, HostEnv::kLeave, report).ok()) return;
  std::string stamp = UtcStamp();
  std::string local;
  std::string incoming = ".data.incoming-" + stamp;
  bool uploaded = false;
  bool ok = report->Step("restore", [&]() -> Result<std::string> {
    auto cache = TargetCacheDir(options.staging_root, target);
    if (!cache.ok()) return cache.status();
    local = *cache + "/restore-" + stamp;
    restore::RestoreOptions ro;
    ro.target = local;
    ro.at_ms = options.at_ms;
    ro.apply_wal = options.apply_wal;
    std::lock_guard<std::mutex> lock(shared->mu);
    auto result = restore::RunRestore(shared->repo, snapshot, ro, {});
    if (!result.ok()) return result.status();
    const restore::WalReplayReport& wal = result->wal;
    if (wal.lost_from != 0) {
      return Status::Corruption("the shipped records " + std::to_string(wal.lost_from) + "-" +
                                std::to_string(wal.lost_to) + " could not be applied (" + wal.lost_reason +
                                "): the host was left as it was; run `paymentsctl check`, or restore without "
                                "them with --no-wal");
    }
    return "snapshot " + snapshot.id.substr(0, 8) + ": " + std::to_string(result->files) +
           " file(s) restored locally and verified, journal through seq " + std::to_string(result->journal_seq) +
           (wal.objects > 0 ? " (shipped records " + std::to_string(wal.first_seq) + "-" +
                                  std::to_string(wal.last_seq) + " applied)"
                            : "");
  }).ok();
  ok = ok && report->Step("upload", [&]() -> Result<std::string> {
    uploaded = true;
    // --sparse: holes of the restored files stay holes on the host.
    auto stats = RunRsync(session->get(), {"--sparse"}, local + "/",
                          (*session)->RsyncHost() + target.remote_path + "/" + incoming + "/");
    if (!stats.ok()) return stats.status();
    PB_RETURN_IF_ERROR(stack.Adopt(incoming, AuditFolder::kAsIs));
    return "sent " + std::to_string(stats->bytes_sent) + " bytes to " + target.remote_path + "/" + incoming;
  }).ok();
  if (!local.empty()) (void)restore::RemoveTree(local);
  if (!ok) {
    if (uploaded) (void)stack.RemoveScratch(incoming);
    return;
  }
  ok = report->Step("swap", [&]() -> Result<std::string> {
    PB_RETURN_IF_ERROR(stack.Compose({"down"}));
    auto dir = stack.SwapData(stamp, incoming, "data");
    if (!dir.ok()) return dir.status();
    std::string previous = dir->empty() ? "there was no previous data/"
                                        : "the previous data/ is in " + target.remote_path + "/" + *dir + "/data";
    return "stack stopped; " + previous + "; the restored data is data/";
  }).ok();
  if (!ok) {
    (void)stack.RemoveScratch(incoming);
    (void)stack.Compose({"up", "-d"});
    return;
  }
  ok = report->Step("up", [&]() -> Result<std::string> {
    PB_RETURN_IF_ERROR(stack.Compose({"up", "-d"}));
    return std::string("started");
  }).ok();
  if (ok) (void)HealthStep(&stack, options.timeout_s, options.openapi_path, report);
}

}  // namespace pb::remote
