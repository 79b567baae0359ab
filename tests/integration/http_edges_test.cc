// The transport's answers to malformed and unusual requests, over real HTTP
// on 127.0.0.1 (README.md, "Connection limits"): each malformed request gets
// its status with the API's JSON error body and an audit line, and is
// counted; HEAD is GET without the body; --listen is parsed strictly.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/backend_probe.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

class HttpEdges : public ::testing::Test {
 protected:
  void SetUp() override {
    BackendOptions options;
    options.data_dir = dir_.Sub("data");
    options.log_file = dir_.Sub("backend.log");
    options.extra_args = {"--header-timeout", "1s", "--body-timeout", "1s"};
    auto started = BackendProcess::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started.value());
  }

  // Sends `bytes` on a new connection and reads its first answer.
  Result<HttpResponse> Raw(std::string_view bytes) {
    HttpClient client(server_->port(), 10s);
    PB_RETURN_IF_ERROR(client.Connect());
    (void)client.SendRaw(bytes);  // the server may answer and close before taking it all
    return client.ReadResponse();
  }

  // The error kind of a JSON error body ("" when it is not one).
  std::string ErrorKind(const std::string& body) {
    std::string_view kind;
    auto doc = parser_.parse(body);
    if (doc.error() != simdjson::SUCCESS || doc.value()["error"]["kind"].get_string().get(kind) != simdjson::SUCCESS) {
      return "";
    }
    return std::string(kind);
  }

  // Stops the server; returns its audit lines and logged counters.
  std::vector<std::string> StopAndReadAudit(std::map<std::string, uint64_t>* stats) {
    EXPECT_EQ(server_->Terminate(), 0);
    *stats = LoggedServerStats(ReadFileOrEmpty(server_->log_file()));
    return Lines(ReadFileOrEmpty(dir_.Sub("data") + "/audit/payments-audit.log"));
  }

  // Audit lines with this status.
  static size_t AuditLinesWithStatus(const std::vector<std::string>& lines, int status) {
    size_t n = 0;
    for (const auto& l : lines) n += l.find("\"status\":" + std::to_string(status) + ",") != std::string::npos;
    return n;
  }

  TempDir dir_;
  std::unique_ptr<BackendProcess> server_;
  simdjson::dom::parser parser_;
};

TEST_F(HttpEdges, Http11WithoutHostGets400AndHttp10WithoutHostIsServed) {
  auto r = Raw("GET /health HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(ErrorKind(r->body), "bad_request") << r->body;
  EXPECT_NE(r->body.find("Host"), std::string::npos) << r->body;
  auto twice = Raw("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  ASSERT_TRUE(twice.ok()) << twice.status().ToString();
  EXPECT_EQ(twice->status, 400) << twice->body;
  auto old = Raw("GET /health HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->status, 200) << "HTTP/1.0 has no Host requirement: " << old->body;
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  EXPECT_EQ(stats["rejected_400"], 2u);
  EXPECT_EQ(AuditLinesWithStatus(audit, 400), 2u);
}

TEST_F(HttpEdges, GarbageGets400WithJsonErrorAndAuditLine) {
  const std::vector<std::string> garbage = {
      "THIS IS NOT HTTP\r\n\r\n",
      std::string("\x01\x02\x03\xff garbage\r\n\r\n", 17),
      "GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line Without Colon\r\n\r\n",
      "POST /api/workloads HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
  };
  for (const auto& bytes : garbage) {
    SCOPED_TRACE(bytes);
    auto r = Raw(bytes);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_EQ(ErrorKind(r->body), "bad_request") << r->body;
    EXPECT_TRUE(r->connection_close);
  }
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  EXPECT_EQ(stats["rejected_400"], garbage.size());
  EXPECT_EQ(AuditLinesWithStatus(audit, 400), garbage.size());
}

TEST_F(HttpEdges, BodyShorterThanContentLengthGets408AndChangesNothing) {
  HttpClient setup(server_->port());
  ASSERT_TRUE(setup.Connect().ok());
  ASSERT_EQ(setup.Post("/api/orchestrators/register", RegisterBody("orch-408"))->status, 201);
  const std::string body = CreditBody("wl-408", "orch-408", "1");
  auto r = Raw("POST /api/workloads HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size() + 10) +
               "\r\n\r\n" + body);
  ASSERT_TRUE(r.ok()) << "the server must answer, not wait forever: " << r.status().ToString();
  EXPECT_EQ(r->status, 408) << r->body;
  EXPECT_EQ(ErrorKind(r->body), "timeout") << r->body;
  EXPECT_NE(r->body.find("Content-Length"), std::string::npos) << r->body;
  // A header that never ends: 408 too.
  auto slow_header = Raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  ASSERT_TRUE(slow_header.ok()) << slow_header.status().ToString();
  EXPECT_EQ(slow_header->status, 408) << slow_header->body;
  auto got = setup.Get("/api/workloads/wl-408");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 404) << "a request cut short must change nothing";
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  EXPECT_EQ(stats["closed_body_timeout"], 1u);
  EXPECT_EQ(stats["closed_header_timeout"], 1u);
  EXPECT_EQ(stats["rejected_408"], 2u);
  EXPECT_EQ(AuditLinesWithStatus(audit, 408), 2u);
}

TEST_F(HttpEdges, BodyOver64KiBGets413WithJsonError) {
  auto r = Raw("POST /api/workloads HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n{");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_EQ(ErrorKind(r->body), "too_large") << r->body;
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  EXPECT_EQ(stats["rejected_413"], 1u);
  EXPECT_EQ(AuditLinesWithStatus(audit, 413), 1u);
}

TEST_F(HttpEdges, HeaderOver16KiBGets431WithJsonError) {
  auto r = Raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 431) << r->body;
  EXPECT_EQ(ErrorKind(r->body), "headers_too_large") << r->body;
  // Just under the limit is served.
  auto fits = Raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(15000, 'a') + "\r\n\r\n");
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  EXPECT_EQ(fits->status, 200) << fits->body;
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  EXPECT_EQ(stats["rejected_431"], 1u);
  EXPECT_EQ(AuditLinesWithStatus(audit, 431), 1u);
}

TEST_F(HttpEdges, HeadAnswersAsGetWithoutBody) {
  const std::string host = "Host: x\r\n";
  for (const std::string target : {"/health", "/api/balances", "/openapi.json", "/api/orchestrators/nobody"}) {
    SCOPED_TRACE(target);
    // HEAD then GET on one connection: had HEAD sent a body, the client
    // would take it for the GET's status line and fail.
    std::string head_then_get = "HEAD " + target + " HTTP/1.1\r\n" + host + "\r\nGET " + target + " HTTP/1.1\r\n" +
                                host + "Connection: close\r\n\r\n";
    HttpClient client(server_->port(), 10s);
    ASSERT_TRUE(client.Connect().ok());
    ASSERT_TRUE(client.SendRaw(head_then_get).ok());
    auto head = client.ReadResponse(/*to_head=*/true);
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    auto get = client.ReadResponse();
    ASSERT_TRUE(get.ok()) << "the HEAD answer carried a body: " << get.status().ToString();
    EXPECT_EQ(head->status, get->status);
    if (target == "/health") {
      EXPECT_EQ(head->status, 200);
    }
    EXPECT_EQ(head->Header("content-type"), get->Header("content-type"));
    if (target != "/health") {
      EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
    }
  }
  std::map<std::string, uint64_t> stats;
  auto audit = StopAndReadAudit(&stats);
  size_t head_lines = 0;
  for (const auto& l : audit) head_lines += l.find("\"method\":\"HEAD\"") != std::string::npos;
  EXPECT_EQ(head_lines, 4u);
}

// --listen is refused at start, with exit 2 and a message naming the
// problem, before the data directory is touched.
TEST(ListenFlag, MalformedAddressesAreRefused) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"127.0.0.1:4294988398", "0 to 65535"},  // once wrapped to port 21102
      {"127.0.0.1:65536", "0 to 65535"},
      {"127.0.0.1:", "port is missing"},
      {":8081", "host is missing"},
      {"127.0.0.1:+8081", "digits only"},
      {"127.0.0.1:-1", "digits only"},
      {"127.0.0.1: 8081", "digits only"},
      {"127.0.0.1:80x", "digits only"},
      {"127.0.0.1", "no ':'"},
      {"example.com:8081", "not an IP address"},
      {"::1:8081", "brackets"},
  };
  for (const auto& [listen, why] : cases) {
    SCOPED_TRACE(listen);
    RunOutput out = RunBounded({BinPath("payments-backend"), "--data-dir", data, "--listen", listen},
                               {"PAYMENTS_API_ADMIN_TOKEN="}, 10s);
    ASSERT_FALSE(out.timed_out) << "payments-backend kept running: it must refuse at once";
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_NE(out.output.find(why), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("listening on"), std::string::npos) << out.output;
    EXPECT_FALSE(fs::exists(data)) << "refused before the data directory is touched";
  }
}

}  // namespace
}  // namespace pb::integration
