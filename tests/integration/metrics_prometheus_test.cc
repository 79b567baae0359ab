// GET /metrics of the real payments-backend, read the way operators will:
// a real Prometheus (Debian's `prometheus`, on 127.0.0.1, storage in a
// temporary directory) scrapes it and its HTTP API must report the journal
// seq this test created; `promtool check metrics` accepts the exposition;
// the route is open while /api needs the token, and carries no ids.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <fstream>
#include <optional>
#include <thread>

#include "common/process.h"
#include "metrics/exposition.h"
#include "support/child_runner.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kToken = "metrics-test-admin-token";
const Headers kAuth = {{"X-Admin-Token", kToken}};
// Every credit's amount: eighteen significant digits, so that no duration or
// count the exposition rightly carries can hold it by chance (a short amount
// such as 0.000123 is a prefix of a 123 us latency sum).
constexpr const char* kAmount = "0.000123456789012345";
constexpr const char* kAmountWei = "123456789012345";

// A Prometheus server on 127.0.0.1 scraping one backend's /metrics every
// second, its storage and config under `dir`. Stopped by pid (SIGTERM, then
// SIGKILL) when destroyed.
class PrometheusServer {
 public:
  static Result<std::unique_ptr<PrometheusServer>> Start(const std::string& dir, uint16_t target_port) {
    const std::string config = dir + "/prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
                          << "scrape_configs:\n  - job_name: payments\n    metrics_path: /metrics\n"
                          << "    static_configs:\n      - targets: ['127.0.0.1:" << target_port << "']\n";
    std::string last_error;
    for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken before Prometheus binds it
      std::unique_ptr<PrometheusServer> p(new PrometheusServer());
      p->port_ = FreeLoopbackPort();
      auto child = Child::Start({"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir + "/tsdb",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(p->port_), "--log.level=warn"},
                                {});
      if (!child.ok()) return Status::Unavailable("cannot start prometheus (scripts/setup.sh installs it): " +
                                                  child.status().ToString());
      p->child_ = std::move(child.value());
      for (int poll = 0; poll < 600; ++poll) {  // at most ~60 s
        if (p->child_->Exited()) break;
        auto ready = p->Get("/-/ready");
        if (ready.ok() && ready->status == 200) return p;
        std::this_thread::sleep_for(100ms);
      }
      last_error = p->child_->Wait(10s).Describe();
    }
    return Status::Unavailable("prometheus did not become ready: " + last_error);
  }

  ~PrometheusServer() {
    if (child_ == nullptr || child_->Exited()) return;
    ::kill(child_->pid(), SIGTERM);
    child_->Wait(20s);  // kills its process group when it does not stop in time
  }

  // The value of the first sample `query` (no characters that need URL
  // encoding) returns now, or nullopt when it returns none.
  Result<std::optional<std::string>> Query(const std::string& query) {
    auto answer = Get("/api/v1/query?query=" + query);
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return Status::Unavailable("HTTP " + std::to_string(answer->status) + ": " + answer->body);
    simdjson::dom::parser parser;
    simdjson::dom::array result;
    if (parser.parse(answer->body)["data"]["result"].get_array().get(result) != simdjson::SUCCESS) {
      return Status::Corruption("unexpected answer: " + answer->body);
    }
    for (simdjson::dom::element sample : result) {
      std::string_view value;
      if (sample["value"].at(1).get_string().get(value) == simdjson::SUCCESS) {
        return std::optional<std::string>(std::string(value));
      }
    }
    return std::optional<std::string>();
  }

 private:
  PrometheusServer() = default;
  Result<HttpResponse> Get(const std::string& target) {
    HttpClient client(port_, 5s);
    Status connected = client.Connect();
    if (!connected.ok()) return connected;
    return client.Get(target);
  }

  uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

class MetricsPrometheus : public ::testing::Test {
 protected:
  void SetUp() override {
    BackendOptions options;
    options.data_dir = dir_.Sub("data");
    options.admin_token = kToken;
    auto started = BackendProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    backend_ = std::move(started.value());
  }

  // Registers orch-secret-1 and credits it `credits` times; returns the
  // journal seq /health reports afterwards.
  uint64_t Credit(int credits) {
    HttpClient client(backend_->port());
    EXPECT_TRUE(client.Connect().ok());
    auto reg = client.Post("/api/orchestrators/register", RegisterBody("orch-secret-1"), kAuth);
    EXPECT_TRUE(reg.ok() && reg->status == 201) << (reg.ok() ? reg->body : reg.status().ToString());
    for (int i = 0; i < credits; ++i) {
      auto credit = client.Post("/api/workloads", CreditBody("wl-" + std::to_string(i), "orch-secret-1", kAmount), kAuth);
      EXPECT_TRUE(credit.ok() && credit->status == 201) << (credit.ok() ? credit->body : credit.status().ToString());
    }
    auto health = client.Get("/health");
    EXPECT_TRUE(health.ok());
    simdjson::dom::parser parser;
    uint64_t seq = 0;
    EXPECT_EQ(parser.parse(health.ok() ? health->body : "{}")["journal_seq"].get_uint64().get(seq), simdjson::SUCCESS);
    return seq;
  }

  HttpResponse GetMetrics() {
    HttpClient client(backend_->port());
    EXPECT_TRUE(client.Connect().ok());
    auto metrics = client.Get("/metrics");  // no X-Admin-Token
    EXPECT_TRUE(metrics.ok()) << metrics.status().ToString();
    return metrics.ok() ? *metrics : HttpResponse{};
  }

  TempDir dir_;
  std::unique_ptr<BackendProcess> backend_;
};

TEST_F(MetricsPrometheus, PrometheusScrapesTheJournalSeqTheTestCreated) {
  const uint64_t seq = Credit(7);
  ASSERT_EQ(seq, 8u);  // one registration, seven credits
  auto prometheus = PrometheusServer::Start(dir_.path(), backend_->port());
  ASSERT_TRUE(prometheus.ok()) << prometheus.status().ToString();
  std::string last = "(no answer yet)";
  bool found = false;
  for (int poll = 0; poll < 600 && !found; ++poll) {  // bounded: at most ~60 s of 1 s scrapes
    auto value = (*prometheus)->Query("payments_journal_last_seq");
    if (!value.ok()) {
      last = value.status().ToString();
    } else if (value->has_value()) {
      last = **value;
      found = last == std::to_string(seq);
    }
    if (!found) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(found) << "Prometheus's last answer for payments_journal_last_seq: " << last;
  auto durable = (*prometheus)->Query("payments_journal_durable_seq");
  ASSERT_TRUE(durable.ok()) << durable.status().ToString();
  EXPECT_EQ(durable->value_or("none"), std::to_string(seq)) << "every credit was answered, so it is durable";
  auto up = (*prometheus)->Query("up");
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->value_or("none"), "1");
}

TEST_F(MetricsPrometheus, ExpositionPassesPromtoolAndIsOpenWithoutIdsOrAmounts) {
  Credit(3);
  {
    HttpClient client(backend_->port());
    ASSERT_TRUE(client.Connect().ok());
    auto refused = client.Get("/api/balances");
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 401) << "the token is required on /api (so /metrics below is open by decision)";
    ASSERT_TRUE(client.Get("/api/orchestrators/orch-secret-1", kAuth).ok());
  }
  HttpResponse metrics = GetMetrics();
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_EQ(metrics.Header("content-type"), metrics::kContentType);
  auto check = RunCaptured({"promtool", "check", "metrics"}, metrics.body, 30000);
  ASSERT_TRUE(check.ok()) << "promtool (scripts/setup.sh installs prometheus): " << check.status().ToString();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err << "\n--- exposition:\n" << metrics.body;
  EXPECT_NE(metrics.body.find("payments_http_requests_total{route=\"/api/orchestrators/{id}\",method=\"GET\",status=\"200\"} 1\n"),
            std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("payments_http_requests_total{route=\"/api/balances\",method=\"GET\",status=\"401\"} 1\n"),
            std::string::npos) << metrics.body;
  EXPECT_EQ(metrics.body.find("orch-secret"), std::string::npos) << "an id leaked:\n" << metrics.body;
  for (const char* leak : {kAmount, kAmountWei, "0.000370370367037035", "370370367037035"}) {  // a credit; the balance of 3
    EXPECT_EQ(metrics.body.find(leak), std::string::npos) << "an amount leaked (" << leak << "):\n" << metrics.body;
  }
}

}  // namespace
}  // namespace pb::integration
