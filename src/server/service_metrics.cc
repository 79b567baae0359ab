#include "server/service_metrics.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>
#include <vector>

#include "common/time_util.h"
#include "ledger/checkpoint.h"

namespace pb::server {
namespace {

using metrics::Samples;
using metrics::Type;

// Group-commit batches: records per fdatasync.
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
// Latencies in seconds, 100 µs to 10 s.
const std::vector<double> kSecondsBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  return std::find(kKnown.begin(), kKnown.end(), method) != kKnown.end() ? method : "other";
}

Samples One(double value) { return Samples{{{}, value}}; }

}  // namespace

ServiceMetrics::ServiceMetrics(ledger::Ledger* ledger, std::function<replicate::ReplicationStatus()> replication,
                               BuildInfo build) {
  registry_.AddGauge("payments_build_info", "The running build: version and commit (value 1).", {"version", "commit"})
      .Labels({build.version, build.commit})
      .Set(1);
  AddJournalMetrics(ledger);
  AddRequestAndCheckpointMetrics(ledger);
  if (replication) AddReplicationMetrics(std::move(replication));
}

void ServiceMetrics::AddJournalMetrics(ledger::Ledger* ledger) {
  registry_.AddFunc(Type::kGauge, "payments_journal_last_seq",
                    "Sequence number of the last journal record accepted (durable or about to be).",
                    [ledger] { return static_cast<double>(ledger->last_seq()); });
  durable_seq_ = &registry_
                      .AddGauge("payments_journal_durable_seq",
                                "Sequence number of the last journal record on disk (fdatasynced).")
                      .Get();
  durable_seq_->Set(static_cast<double>(ledger->last_seq()));  // everything replayed at open is on disk
  registry_.AddFunc(Type::kGauge, "payments_journal_failed",
                    "1 after a journal write or fdatasync failed: writes are refused until the service is restarted.",
                    [ledger] { return ledger->committer().failed() ? 1.0 : 0.0; });
  batch_records_ = &registry_
                        .AddHistogram("payments_journal_commit_batch_records",
                                      "Records written by one group commit (one fdatasync).", kBatchBounds)
                        .Get();
  sync_seconds_ = &registry_
                       .AddHistogram("payments_journal_fsync_duration_seconds",
                                     "Time to write one group-commit batch to the journal and fdatasync it.",
                                     kSecondsBounds)
                       .Get();
}

void ServiceMetrics::AddRequestAndCheckpointMetrics(ledger::Ledger* ledger) {
  requests_ = &registry_.AddCounter("payments_http_requests_total",
                                    "HTTP requests answered, by route template, method and status.",
                                    {"route", "method", "status"});
  request_seconds_ = &registry_.AddHistogram("payments_http_request_duration_seconds",
                                             "Time from a request's arrival to its answer (durable writes "
                                             "included), by route template and method.",
                                             kSecondsBounds, {"route", "method"});
  registry_.AddFunc(Type::kGauge, "payments_checkpoint_seq", "Sequence number the last JSON checkpoint holds.",
                    [ledger] { return static_cast<double>(ledger->checkpoint_seq()); });
  registry_.AddCallback(Type::kGauge, "payments_checkpoint_age_seconds",
                        "Seconds since the last JSON checkpoint was written (absent before the first; an idle "
                        "service writes none, compare payments_checkpoint_seq with payments_journal_last_seq).",
                        {}, [data_dir = ledger->data_dir()] {
                          auto written = ledger::CheckpointWrittenMillis(data_dir);
                          if (!written.ok()) return Samples{};
                          return One(static_cast<double>(std::max<int64_t>(0, NowMillis() - *written)) / 1000.0);
                        });
}

void ServiceMetrics::AddReplicationMetrics(std::function<replicate::ReplicationStatus()> replication) {
  auto status = std::make_shared<std::function<replicate::ReplicationStatus()>>(std::move(replication));
  registry_.AddFunc(Type::kGauge, "payments_replication_shipped_seq",
                    "Sequence number of the last journal record in the repository (--replicate-to).",
                    [status] { return static_cast<double>((*status)().shipped_seq); });
  registry_.AddFunc(Type::kGauge, "payments_replication_lag_seconds",
                    "Age of the oldest journal record not yet shipped, 0 when none.",
                    [status] { return static_cast<double>((*status)().lag_ms) / 1000.0; });
  registry_.AddFunc(Type::kGauge, "payments_replication_lag_records",
                    "Durable journal records not yet shipped into the repository.", [this, status] {
                      const double shipped = static_cast<double>((*status)().shipped_seq);
                      return std::max(0.0, durable_seq_->Value() - shipped);
                    });
  registry_.AddFunc(Type::kGauge, "payments_replication_stalled",
                    "1 while replication is stalled: nothing could be shipped, or the repository did not answer, for "
                    "more than 3 intervals.",
                    [status] { return (*status)().state == "stalled" ? 1.0 : 0.0; });
  registry_.AddCallback(Type::kGauge, "payments_replication_last_snapshot_timestamp_seconds",
                        "Time of the newest snapshot of this data directory in the repository (absent while unknown).",
                        {}, [status] {
                          const int64_t ms = (*status)().last_snapshot_ms;
                          return ms > 0 ? One(static_cast<double>(ms) / 1000.0) : Samples{};
                        });
}

void ServiceMetrics::AddServerStats(std::function<ServerStats()> read) {
  auto stats = std::make_shared<std::function<ServerStats()>>(std::move(read));
  auto labelled = [stats](std::vector<std::pair<std::string, uint64_t ServerStats::*>> fields) {
    return [stats, fields = std::move(fields)] {
      const ServerStats s = (*stats)();
      Samples out;
      for (const auto& [label, field] : fields) out.push_back({{label}, static_cast<double>(s.*field)});
      return out;
    };
  };
  registry_.AddFunc(Type::kGauge, "payments_http_open_connections", "Client connections open now.",
                    [stats] { return static_cast<double>((*stats)().open_connections); });
  registry_.AddFunc(Type::kCounter, "payments_http_connections_accepted_total",
                    "Client connections admitted (refusals over the cap not included).",
                    [stats] { return static_cast<double>((*stats)().accepted_total); });
  registry_.AddFunc(Type::kCounter, "payments_http_accept_pauses_total",
                    "Times accepting paused because the process ran out of descriptors.",
                    [stats] { return static_cast<double>((*stats)().accept_pauses); });
  registry_.AddCallback(Type::kCounter, "payments_http_refused_total",
                        "Connections or requests refused with 503: over --max-connections (over_cap) or over "
                        "--max-reply-memory-mib (reply_memory).",
                        {"reason"},
                        labelled({{"over_cap", &ServerStats::refused_over_cap},
                                  {"reply_memory", &ServerStats::refused_reply_memory}}));
  registry_.AddCallback(Type::kCounter, "payments_http_closed_total",
                        "Connections the server closed because a client was too slow or idle, by reason.",
                        {"reason"},
                        labelled({{"idle", &ServerStats::closed_idle},
                                  {"header_timeout", &ServerStats::closed_header_timeout},
                                  {"body_timeout", &ServerStats::closed_body_timeout},
                                  {"write_timeout", &ServerStats::closed_write_timeout}}));
  registry_.AddCallback(Type::kCounter, "payments_http_rejected_total",
                        "Malformed requests the transport answered itself, by status.", {"status"},
                        labelled({{"400", &ServerStats::rejected_400},
                                  {"408", &ServerStats::rejected_408},
                                  {"413", &ServerStats::rejected_413},
                                  {"431", &ServerStats::rejected_431}}));
}

void ServiceMetrics::RecordRequest(std::string_view route, std::string_view method, int status, int64_t micros) {
  const std::string_view m = MethodLabel(method);
  const std::string code = std::to_string(status);
  requests_->Labels({route, m, code}).Inc();
  request_seconds_->Labels({route, m}).Observe(static_cast<double>(micros) / 1e6);
}

void ServiceMetrics::OnBatchDurable(uint64_t last_seq, uint64_t records, int64_t write_sync_micros) {
  durable_seq_->Set(static_cast<double>(last_seq));
  batch_records_->Observe(static_cast<double>(records));
  sync_seconds_->Observe(static_cast<double>(write_sync_micros) / 1e6);
}

}  // namespace pb::server
