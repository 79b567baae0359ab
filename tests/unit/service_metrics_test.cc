// The service's metrics (server/service_metrics.h) on a real ledger: what
// the group commit reports, GET /metrics through the Api, requests under
// bounded route/method labels, checkpoints, replication and a failed
// journal; and RouteTemplate against the OpenAPI document.
#include "server/service_metrics.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <condition_variable>
#include <mutex>

#include "common/file_ops.h"
#include "metrics/exposition.h"
#include "server/api.h"
#include "server/openapi.h"
#include "support/fault_file_ops.h"
#include "test_util.h"

namespace pb::server {
namespace {

using metrics::FindSample;
using pb::testing::TempDir;

// Lines of `text` that start with `prefix`.
int CountLines(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (const std::string& line : pb::testing::SplitLines(text)) n += line.rfind(prefix, 0) == 0;
  return n;
}

class ServiceMetricsTest : public ::testing::Test {
 protected:
  // Opens a ledger on a fresh data directory with metrics_ observing its
  // group commit, then starts the commit.
  void Open(std::function<replicate::ReplicationStatus()> replication = {}) {
    auto opened = ledger::Ledger::Open(dir_.Sub("data"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened.value());
    metrics_ = std::make_unique<ServiceMetrics>(ledger_.get(), std::move(replication), BuildInfo{"1.2.3", "abc123"});
    ledger_->committer().SetObserver(metrics_.get());
    Status st = ledger_->Start({[this](uint64_t seq) {
                                  std::lock_guard lock(mu_);
                                  durable_ = seq;
                                  cv_.notify_all();
                                },
                                [this](const Status&) {
                                  std::lock_guard lock(mu_);
                                  failed_ = true;
                                  cv_.notify_all();
                                }});
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void TearDown() override {
    if (ledger_) (void)ledger_->Shutdown();
    ledger_.reset();
    metrics_.reset();
  }

  // Registers orch-1..orch-n and waits (at most 10 s) until they are durable.
  void RegisterAndWait(int n) {
    uint64_t last = 0;
    for (int i = 1; i <= n; ++i) {
      auto seq = ledger_->Submit(pb::testing::RegisterRecord("orch-" + std::to_string(i)));
      ASSERT_TRUE(seq.ok()) << seq.status().ToString();
      last = *seq;
    }
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return durable_ >= last || failed_; }));
    ASSERT_FALSE(failed_);
  }

  double Value(const std::string& series) {
    return FindSample(metrics_->Render(), series).value_or(-1);
  }

  TempDir dir_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t durable_ = 0;
  bool failed_ = false;
};

TEST_F(ServiceMetricsTest, GroupCommitReportsTheDurableSeqAndEveryBatch) {
  Open();
  RegisterAndWait(10);
  EXPECT_EQ(Value("payments_journal_last_seq"), 10);
  EXPECT_EQ(Value("payments_journal_durable_seq"), 10);
  EXPECT_EQ(Value("payments_journal_commit_batch_records_sum"), 10) << "every record in exactly one batch";
  const double batches = Value("payments_journal_commit_batch_records_count");
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, 10);
  EXPECT_EQ(Value("payments_journal_fsync_duration_seconds_count"), batches) << "one fdatasync per batch";
  EXPECT_EQ(Value("payments_journal_failed"), 0);
  EXPECT_EQ(Value("payments_build_info{version=\"1.2.3\",commit=\"abc123\"}"), 1);
}

TEST_F(ServiceMetricsTest, TheTransportsConnectionCountersAreRenderedAsTheyAreAtScrapeTime) {
  Open();
  ServerStats stats;
  metrics_->AddServerStats([&stats] { return stats; });
  EXPECT_EQ(Value("payments_http_open_connections"), 0);
  stats.open_connections = 7;
  stats.accepted_total = 12;
  stats.refused_over_cap = 3;
  stats.refused_reply_memory = 2;
  stats.closed_write_timeout = 4;
  stats.closed_idle = 5;
  stats.rejected_431 = 1;
  EXPECT_EQ(Value("payments_http_open_connections"), 7);
  EXPECT_EQ(Value("payments_http_connections_accepted_total"), 12);
  EXPECT_EQ(Value("payments_http_refused_total{reason=\"over_cap\"}"), 3);
  EXPECT_EQ(Value("payments_http_refused_total{reason=\"reply_memory\"}"), 2);
  EXPECT_EQ(Value("payments_http_closed_total{reason=\"write_timeout\"}"), 4);
  EXPECT_EQ(Value("payments_http_closed_total{reason=\"idle\"}"), 5);
  EXPECT_EQ(Value("payments_http_closed_total{reason=\"header_timeout\"}"), 0);
  EXPECT_EQ(Value("payments_http_rejected_total{status=\"431\"}"), 1);
}

TEST_F(ServiceMetricsTest, JournalFailedTurnsToOneAfterAFailedFdatasync) {
  pb::testing::FaultFileOps ops({pb::testing::FaultKind::kFsyncEio, 1, "journal/0"});
  struct Installed {
    explicit Installed(FileOps* ops) { SetFileOpsForTesting(ops); }
    ~Installed() { SetFileOpsForTesting(nullptr); }
  } installed(&ops);
  Open();
  EXPECT_EQ(Value("payments_journal_failed"), 0);
  ASSERT_TRUE(ledger_->Submit(pb::testing::RegisterRecord("orch-1")).ok());
  {
    std::unique_lock lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return failed_; }));
  }
  EXPECT_EQ(Value("payments_journal_failed"), 1);
  EXPECT_EQ(Value("payments_journal_durable_seq"), 0) << "nothing became durable";
  (void)ledger_->Shutdown();  // under the fault: refuses the checkpoint
}

TEST_F(ServiceMetricsTest, CheckpointAgeAppearsOnceACheckpointIsWritten) {
  Open();
  const std::string before = metrics_->Render();
  EXPECT_NE(before.find("# TYPE payments_checkpoint_age_seconds gauge\n"), std::string::npos);
  EXPECT_EQ(CountLines(before, "payments_checkpoint_age_seconds "), 0) << "no checkpoint yet: no sample";
  RegisterAndWait(3);
  ASSERT_TRUE(ledger_->Shutdown().ok());  // writes the final checkpoint
  EXPECT_EQ(Value("payments_checkpoint_seq"), 3);
  EXPECT_GE(Value("payments_checkpoint_age_seconds"), 0);
}

TEST_F(ServiceMetricsTest, ReplicationMetricsFollowTheReplicatorsStatus) {
  replicate::ReplicationStatus status;
  status.state = "ok";
  status.shipped_seq = 1;
  status.lag_ms = 1500;
  Open([&status] { return status; });
  RegisterAndWait(4);
  EXPECT_EQ(Value("payments_replication_shipped_seq"), 1);
  EXPECT_EQ(Value("payments_replication_lag_seconds"), 1.5);
  EXPECT_EQ(Value("payments_replication_lag_records"), 3);
  EXPECT_EQ(Value("payments_replication_stalled"), 0);
  EXPECT_EQ(CountLines(metrics_->Render(), "payments_replication_last_snapshot_timestamp_seconds "), 0)
      << "unknown until the replicator found or took a snapshot";
  status.state = "stalled";
  status.shipped_seq = 4;
  status.last_snapshot_ms = 1700000000250;
  EXPECT_EQ(Value("payments_replication_stalled"), 1);
  EXPECT_EQ(Value("payments_replication_lag_records"), 0);
  EXPECT_EQ(Value("payments_replication_last_snapshot_timestamp_seconds"), 1700000000.25);
}

TEST_F(ServiceMetricsTest, WithoutReplicationThereAreNoReplicationMetrics) {
  Open();
  EXPECT_EQ(metrics_->Render().find("payments_replication_"), std::string::npos);
}

TEST_F(ServiceMetricsTest, MetricsRouteIsOpenTextAndCarriesNoIdsOrAmounts) {
  Open();
  Api api(ledger_.get(), "the-admin-token");
  Request get;
  get.method = "GET";
  get.target = "/metrics";
  EXPECT_EQ(api.Handle(get).response.status, 404) << "no metrics set: no route";
  api.SetMetrics(metrics_.get());
  RegisterAndWait(2);
  api.RecordRequest("GET", "/api/orchestrators/orch-2?verbose=1", 200, 2000);
  Reply reply = api.Handle(get);  // no X-Admin-Token
  EXPECT_EQ(reply.response.status, 200);
  EXPECT_EQ(reply.wait_seq, 0u);
  EXPECT_EQ(reply.response.content_type, metrics::kContentType);
  const std::string& body = reply.response.body;
  EXPECT_EQ(FindSample(body, "payments_journal_last_seq"), 2);
  EXPECT_EQ(FindSample(body, "payments_http_requests_total{route=\"/api/orchestrators/{id}\",method=\"GET\",status=\"200\"}"), 1);
  EXPECT_EQ(FindSample(body, "payments_http_request_duration_seconds_bucket{route=\"/api/orchestrators/{id}\",method=\"GET\",le=\"0.001\"}"), 0);
  EXPECT_EQ(FindSample(body, "payments_http_request_duration_seconds_bucket{route=\"/api/orchestrators/{id}\",method=\"GET\",le=\"0.0025\"}"), 1);
  EXPECT_EQ(body.find("orch-"), std::string::npos) << "an id leaked into the metrics";
  EXPECT_EQ(body.find("verbose"), std::string::npos) << "a query leaked into the metrics";
}

TEST_F(ServiceMetricsTest, UnknownPathsAndMethodsShareOneSeries) {
  Open();
  for (int i = 0; i < 50; ++i) {
    metrics_->RecordRequest(RouteTemplate("/scan/" + std::to_string(i)), "X-METHOD-" + std::to_string(i), 404, 10);
  }
  const std::string text = metrics_->Render();
  EXPECT_EQ(CountLines(text, "payments_http_requests_total{"), 1) << text;
  EXPECT_EQ(FindSample(text, "payments_http_requests_total{route=\"other\",method=\"other\",status=\"404\"}"), 50);
}

TEST(RouteTemplate, EveryPathTheOpenApiDocumentListsIsItsOwnTemplate) {
  simdjson::dom::parser parser;
  simdjson::dom::object paths;
  ASSERT_EQ(parser.parse(OpenApiDocument()).get_object()["paths"].get_object().get(paths), simdjson::SUCCESS);
  size_t checked = 0;
  for (auto [path, item] : paths) {
    std::string concrete(path);
    if (auto at = concrete.find("{id}"); at != std::string::npos) concrete.replace(at, 4, "some-id_1");
    EXPECT_EQ(RouteTemplate(concrete), path) << concrete;
    ++checked;
  }
  EXPECT_GE(checked, 12u);  // every path of the document, /metrics included
}

TEST(RouteTemplate, PathsNoRouteServesAreOther) {
  for (std::string path : std::vector<std::string>{"", "/", "/nope", "/health/x", "/metrics/", "/api", "/api/", "/api/unknown",
                           "/api/orchestrators/", "/api/workloads/a/b", "/api/orchestrators/x/y",
                           "/api/ledger/events/1", std::string(5000, 'a')}) {
    EXPECT_EQ(RouteTemplate(path), "other") << path;
  }
  EXPECT_EQ(RouteTemplate("/api/workloads/summary"), "/api/workloads/summary");
  EXPECT_EQ(RouteTemplate("/api/orchestrators/register"), "/api/orchestrators/register");
}

}  // namespace
}  // namespace pb::server
