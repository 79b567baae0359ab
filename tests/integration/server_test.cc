// End-to-end behaviour of payments-backend over real HTTP on 127.0.0.1: the
// API round trip, keep-alive, request limits, the loopback safety rule,
// authorization, orderly shutdown, the audit logs and durability across a
// kill -9.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Field `key` of a JSON object as a string ("" when absent or not a string).
std::string Str(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return "";
  return std::string(v);
}

uint64_t UInt(simdjson::dom::element e, std::string_view key) {
  uint64_t v = 0;
  if (e[key].get_uint64().get(v) != simdjson::SUCCESS) return UINT64_MAX;
  return v;
}

// Key names of a JSON object, in order.
std::vector<std::string> Keys(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return out;
  for (auto field : o) out.emplace_back(field.key);
  return out;
}

const std::regex kIsoMillis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

class ServerIntegration : public ::testing::Test {
 protected:
  std::string DataDir() const { return dir_.Sub("data"); }

  // Starts payments-backend on DataDir(); nullptr (with a test failure) when
  // it does not become ready.
  std::unique_ptr<BackendProcess> StartBackend(BackendOptions options = {}) {
    if (options.data_dir.empty()) options.data_dir = DataDir();
    if (options.log_file.empty()) options.log_file = dir_.Sub("backend.log");
    auto started = BackendProcess::Start(options);
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString();
      return nullptr;
    }
    return std::move(started.value());
  }

  TempDir dir_;
  simdjson::dom::parser parser_;
};

TEST_F(ServerIntegration, RegisterCreditAndReadBack) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());

  auto reg = client.Post("/api/orchestrators/register", RegisterBody("orch-rt"));
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->status, 201) << reg->body;
  EXPECT_EQ(reg->Header("content-type"), "application/json");
  auto o = parser_.parse(reg->body);
  EXPECT_EQ(Str(o.value(), "orchestrator_id"), "orch-rt");
  EXPECT_EQ(Str(o.value(), "balance"), "0");
  EXPECT_EQ(UInt(o.value(), "registration_count"), 1u);

  auto credit = client.Post("/api/workloads", CreditBody("wl-rt-1", "orch-rt", "0.000123"));
  ASSERT_TRUE(credit.ok()) << credit.status().ToString();
  EXPECT_EQ(credit->status, 201) << credit->body;
  auto w = parser_.parse(credit->body);
  EXPECT_EQ(Str(w.value(), "workload_id"), "wl-rt-1");
  EXPECT_EQ(Str(w.value(), "amount"), "0.000123");
  EXPECT_EQ(Str(w.value(), "status"), "credited");

  auto second = client.Post("/api/workloads", CreditBody("wl-rt-2", "orch-rt", "1.5"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 201) << second->body;

  auto got = client.Get("/api/workloads/wl-rt-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 200) << got->body;
  auto g = parser_.parse(got->body);
  EXPECT_EQ(Str(g.value(), "orchestrator_id"), "orch-rt");
  EXPECT_EQ(Str(g.value(), "amount"), "0.000123");

  auto orch = client.Get("/api/orchestrators/orch-rt");
  ASSERT_TRUE(orch.ok());
  EXPECT_EQ(orch->status, 200) << orch->body;
  EXPECT_EQ(Str(parser_.parse(orch->body).value(), "balance"), "1.500123");

  auto balances = client.Get("/api/balances");
  ASSERT_TRUE(balances.ok());
  EXPECT_EQ(balances->status, 200);
  EXPECT_EQ(Str(parser_.parse(balances->body)["balances"].value(), "orch-rt"), "1.500123") << balances->body;

  // The same credit again is idempotent (200, no second credit); the same id
  // with a different body is a conflict.
  auto again = client.Post("/api/workloads", CreditBody("wl-rt-1", "orch-rt", "0.000123"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  auto conflict = client.Post("/api/workloads", CreditBody("wl-rt-1", "orch-rt", "0.000124"));
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->status, 409) << conflict->body;
  auto after = client.Get("/api/orchestrators/orch-rt");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Str(parser_.parse(after->body).value(), "balance"), "1.500123");

  auto missing = client.Get("/api/workloads/wl-nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  auto unknown_orch = client.Post("/api/workloads", CreditBody("wl-rt-3", "orch-nope", "1"));
  ASSERT_TRUE(unknown_orch.ok());
  EXPECT_EQ(unknown_orch->status, 422) << unknown_orch->body;

  auto reregister = client.Post("/api/orchestrators/register", RegisterBody("orch-rt"));
  ASSERT_TRUE(reregister.ok());
  EXPECT_EQ(reregister->status, 200) << reregister->body;
  EXPECT_EQ(UInt(parser_.parse(reregister->body).value(), "registration_count"), 2u);
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(ServerIntegration, KeepAliveConnectionServesManyRequests) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());
  const uint16_t local_port = client.local_port();
  auto reg = client.Post("/api/orchestrators/register", RegisterBody("orch-ka"));
  ASSERT_TRUE(reg.ok());
  ASSERT_EQ(reg->status, 201);
  constexpr int kRequests = 300;
  for (int i = 0; i < kRequests; ++i) {
    auto r = (i % 3 == 0) ? client.Get("/health")
             : (i % 3 == 1)
                 ? client.Post("/api/workloads", CreditBody("wl-ka-" + std::to_string(i), "orch-ka", "0.000001"))
                 : client.Get("/api/orchestrators/orch-ka");
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.status().ToString();
    ASSERT_EQ(r->status, i % 3 == 1 ? 201 : 200) << "request " << i << ": " << r->body;
    ASSERT_FALSE(r->connection_close) << "request " << i;
  }
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(client.connects(), 1);
  EXPECT_EQ(client.local_port(), local_port) << "the same TCP connection served every request";
  auto orch = client.Get("/api/orchestrators/orch-ka");
  ASSERT_TRUE(orch.ok());
  EXPECT_EQ(Str(parser_.parse(orch->body).value(), "balance"), "0.0001");  // 100 credits of 0.000001
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(ServerIntegration, BodyOver64KiBGets413AndServerKeepsServing) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  {
    HttpClient setup(server->port());
    ASSERT_TRUE(setup.Connect().ok());
    auto reg = setup.Post("/api/orchestrators/register", RegisterBody("orch-big"));
    ASSERT_TRUE(reg.ok());
    ASSERT_EQ(reg->status, 201);
  }
  // A valid credit padded with JSON whitespace to a given total size.
  auto padded = [](std::string_view wid, size_t total) {
    std::string body = CreditBody(wid, "orch-big", "0.000001");
    body.insert(1, total - body.size(), ' ');
    return body;
  };
  {
    // Exactly 64 KiB is still accepted.
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    auto r = client.Post("/api/workloads", padded("wl-64k", 64 * 1024));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 201) << r->body;
  }
  {
    // One byte more: 413, and the connection is closed by the server.
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    auto r = client.Post("/api/workloads", padded("wl-64k-plus-1", 64 * 1024 + 1));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 413) << r->body;
    EXPECT_NE(r->body.find("too_large"), std::string::npos) << r->body;
  }
  {
    // 1 MiB announced; the answer comes after the header, before the body.
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    ASSERT_TRUE(client
                    .SendRaw("POST /api/workloads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                             "Content-Length: 1048576\r\n\r\n{")
                    .ok());
    auto r = client.ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 413) << r->body;
  }
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());
  auto health = client.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto credit = client.Post("/api/workloads", CreditBody("wl-after-413", "orch-big", "0.000001"));
  ASSERT_TRUE(credit.ok());
  EXPECT_EQ(credit->status, 201);
  auto big = client.Get("/api/workloads/wl-64k-plus-1");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 404) << "a rejected body must change nothing";
  auto orch = client.Get("/api/orchestrators/orch-big");
  ASSERT_TRUE(orch.ok());
  EXPECT_EQ(Str(parser_.parse(orch->body).value(), "balance"), "0.000002");
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(ServerIntegration, MalformedRequestLineIsRejectedAndServerStaysHealthy) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  const std::vector<std::string> malformed = {
      "THIS IS NOT HTTP\r\n\r\n",
      "GET /health HTTP/9.9\r\n\r\n",
      "GET /health\r\n\r\n",
      "GET  HTTP/1.1\r\n\r\n",
      std::string("\x01\x02\x03\xff garbage\r\n\r\n", 17),
      "POST /api/workloads HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
      "GET /health HTTP/1.1\r\nBad Header Line Without Colon\r\n\r\n",
  };
  for (size_t i = 0; i < malformed.size(); ++i) {
    SCOPED_TRACE("malformed request #" + std::to_string(i));
    HttpClient client(server->port(), 5s);
    ASSERT_TRUE(client.Connect().ok());
    ASSERT_TRUE(client.SendRaw(malformed[i]).ok());
    auto r = client.ReadResponse();
    if (r.ok()) {
      EXPECT_EQ(r->status, 400) << r->body;  // answered: must be a 400
    } else {
      EXPECT_EQ(r.status().message().find("timed out"), std::string::npos)
          << "the server neither answered nor closed: " << r.status().ToString();
    }
    HttpClient probe(server->port());
    ASSERT_TRUE(probe.Connect().ok());
    auto health = probe.Get("/health");
    ASSERT_TRUE(health.ok()) << health.status().ToString();
    EXPECT_EQ(health->status, 200);
  }
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(ServerIntegration, RefusesNonLoopbackListenWithoutAdminToken) {
  // The server must refuse before it binds anything, so no traffic is sent:
  // only the exit code and the message are checked.
  const uint16_t port = FreeLoopbackPort();
  const std::string backend = BinPath("payments-backend");
  struct Case {
    std::string name;
    std::vector<std::string> argv;
    std::vector<std::string> env;
  };
  const std::string data = DataDir();
  const std::vector<Case> cases = {
      {"--listen 0.0.0.0", {backend, "--data-dir", data, "--listen", "0.0.0.0:" + std::to_string(port)}, {}},
      {"--listen [::]", {backend, "--data-dir", data, "--listen", "[::]:" + std::to_string(port)}, {}},
      {"PAYMENTS_LISTEN=0.0.0.0", {backend, "--data-dir", data}, {"PAYMENTS_LISTEN=0.0.0.0:" + std::to_string(port)}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> env = c.env;
    env.push_back("PAYMENTS_API_ADMIN_TOKEN=");
    RunOutput out = RunBounded(c.argv, env, 10s);
    ASSERT_FALSE(out.timed_out) << "payments-backend kept running: it must refuse at once";
    EXPECT_NE(out.exit_code, 0) << out.output;
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_NE(out.output.find("PAYMENTS_API_ADMIN_TOKEN"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("listening on"), std::string::npos) << out.output;
    EXPECT_FALSE(fs::exists(data)) << "the refusal must come before the data directory is touched";
  }
}

TEST_F(ServerIntegration, AdminTokenGuardsApiRoutes) {
  const std::string token = "integ-Token-5b8e1f0c";
  BackendOptions options;
  options.admin_token = token;
  auto server = StartBackend(options);
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());
  const Headers good = {{"X-Admin-Token", token}};

  auto health = client.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200) << "/health stays open for probes";

  for (const Headers& bad : {Headers{}, Headers{{"X-Admin-Token", "integ-Token-5b8e1f0d"}},
                             Headers{{"X-Admin-Token", "integ"}}, Headers{{"X-Admin-Token", token + "x"}}}) {
    auto r = client.Get("/api/balances", bad);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_NE(r->body.find("unauthorized"), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find(token), std::string::npos);
  }
  auto reg = client.Post("/api/orchestrators/register", RegisterBody("orch-auth"));
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->status, 401);
  auto reg_ok = client.Post("/api/orchestrators/register", RegisterBody("orch-auth"), good);
  ASSERT_TRUE(reg_ok.ok());
  EXPECT_EQ(reg_ok->status, 201) << reg_ok->body;
  auto credit = client.Post("/api/workloads", CreditBody("wl-auth", "orch-auth", "1"));
  ASSERT_TRUE(credit.ok());
  EXPECT_EQ(credit->status, 401);
  auto workload = client.Get("/api/workloads/wl-auth", good);
  ASSERT_TRUE(workload.ok());
  EXPECT_EQ(workload->status, 404) << "an unauthorized credit must change nothing";
  auto balances = client.Get("/api/balances", good);
  ASSERT_TRUE(balances.ok());
  EXPECT_EQ(balances->status, 200);
  EXPECT_EQ(Str(parser_.parse(balances->body)["balances"].value(), "orch-auth"), "") << "never credited: "
                                                                                   << balances->body;
  auto orch = client.Get("/api/orchestrators/orch-auth", good);
  ASSERT_TRUE(orch.ok());
  EXPECT_EQ(orch->status, 200);
  EXPECT_EQ(Str(parser_.parse(orch->body).value(), "balance"), "0") << orch->body;
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(ServerIntegration, SigtermStopsCleanlyWithCheckpointAndVerifiableData) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  {
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    ASSERT_EQ(client.Post("/api/orchestrators/register", RegisterBody("orch-term"))->status, 201);
    for (int i = 0; i < 10; ++i) {
      auto r = client.Post("/api/workloads", CreditBody("wl-term-" + std::to_string(i), "orch-term", "0.01"));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 201);
    }
  }
  EXPECT_EQ(server->Terminate(), 0) << FileTail(server->log_file());
  const std::string log = ReadFileOrEmpty(server->log_file());
  EXPECT_NE(log.find("stopped cleanly at seq 11"), std::string::npos) << log;

  const std::string marker_text = ReadFileOrEmpty(DataDir() + "/journal/CHECKPOINT");
  ASSERT_FALSE(marker_text.empty()) << "journal/CHECKPOINT was not written";
  auto marker = parser_.parse(marker_text);
  ASSERT_EQ(marker.error(), simdjson::SUCCESS) << marker_text;
  EXPECT_EQ(UInt(marker.value(), "seq"), 11u) << marker_text;
  for (const char* name : {"registry.json", "balances.json", "workloads.json"}) {
    EXPECT_TRUE(fs::exists(DataDir() + "/" + name)) << name;
    EXPECT_FALSE(fs::exists(DataDir() + "/" + name + ".ckpt")) << name << ".ckpt left behind";
  }
  EXPECT_FALSE(fs::exists(DataDir() + "/journal/CHECKPOINT.ckpt"));

  RunOutput verify = RunVerify(DataDir());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("verify: OK"), std::string::npos) << verify.output;
  RunOutput json = RunVerify(DataDir(), /*json=*/true);
  EXPECT_EQ(json.exit_code, 0) << json.output;
  auto report = parser_.parse(json.output);
  ASSERT_EQ(report.error(), simdjson::SUCCESS) << json.output;
  bool ok = false;
  EXPECT_EQ(report.value()["ok"].get_bool().get(ok), simdjson::SUCCESS);
  EXPECT_TRUE(ok) << json.output;
  EXPECT_EQ(UInt(report.value(), "journal_seq"), 11u);
  EXPECT_EQ(UInt(report.value(), "checkpoint_seq"), 11u);
  EXPECT_EQ(UInt(report.value(), "workloads"), 10u);
}

TEST_F(ServerIntegration, AuditLogHasOneLinePerRequestWithoutBodyOrToken) {
  const std::string token = "tok-Distinctive-SECRET-4f1d";
  const std::string wrong_token = "WrongTok-77aa-SECRET";
  const std::string body_marker = "BODYMARKER-91c7e2";
  const std::string query_marker = "QUERYMARKER-3b5d";
  BackendOptions options;
  options.admin_token = token;
  // Every logged latency lies inside the server's life, which lies inside this window.
  const auto window_start = std::chrono::steady_clock::now();
  auto server = StartBackend(options);
  ASSERT_NE(server, nullptr);
  const Headers auth = {{"X-Admin-Token", token}};
  struct Expected {
    std::string method, path;
    int status;
  };
  std::vector<Expected> expected;
  {
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    auto send = [&](std::string method, std::string target, std::string body, const Headers& headers, std::string path,
                    int status) {
      auto r = client.Request(method, target, body, headers);
      ASSERT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
      EXPECT_EQ(r->status, status) << method << " " << target << ": " << r->body;
      expected.push_back({method, path, status});
    };
    send("POST", "/api/orchestrators/register", RegisterBody("orch-audit"), auth, "/api/orchestrators/register", 201);
    send("POST", "/api/workloads", CreditBody("wl-" + body_marker, "orch-audit", "0.000777"), auth, "/api/workloads",
         201);
    send("POST", "/api/workloads", CreditBody("wl-" + body_marker, "orch-audit", "0.000777"), auth, "/api/workloads",
         200);
    send("POST", "/api/workloads", "{\"note\":\"" + body_marker + "\"}", auth, "/api/workloads", 400);
    send("GET", "/api/workloads?offset=0&limit=5", "", auth, "/api/workloads", 200);
    // A parameter the route does not take is refused (400); its query is not logged either.
    send("GET", "/api/workloads?offset=0&limit=5&x=" + query_marker, "", auth, "/api/workloads", 400);
    send("GET", "/api/balances", "", {{"X-Admin-Token", wrong_token}}, "/api/balances", 401);
    send("GET", "/api/orchestrators/orch-audit", "", auth, "/api/orchestrators/orch-audit", 200);
    send("GET", "/no/such/route", "", auth, "/no/such/route", 404);
    send("DELETE", "/api/balances", "", auth, "/api/balances", 405);
    send("GET", "/health", "", {}, "/health", 200);
  }
  ASSERT_EQ(server->Terminate(), 0);  // flushes the access log
  const double window_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - window_start).count();

  const std::string text = ReadFileOrEmpty(DataDir() + "/audit/payments-audit.log");
  const auto lines = Lines(text);
  const size_t probes = static_cast<size_t>(server->health_probes_answered());
  ASSERT_EQ(lines.size(), probes + expected.size())
      << "one line per request (" << probes << " readiness probes first):\n"
      << text;
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    auto e = parser_.parse(lines[i]);
    ASSERT_EQ(e.error(), simdjson::SUCCESS);
    EXPECT_EQ(Keys(e.value()), (std::vector<std::string>{"time", "method", "path", "status", "latency_ms"}));
    EXPECT_TRUE(std::regex_match(Str(e.value(), "time"), kIsoMillis));
    double latency = -1;
    EXPECT_EQ(e.value()["latency_ms"].get_double().get(latency), simdjson::SUCCESS);
    EXPECT_GE(latency, 0.0);
    EXPECT_LE(latency, window_ms) << "a latency longer than the server's whole life";
    int64_t status = 0;
    EXPECT_EQ(e.value()["status"].get_int64().get(status), simdjson::SUCCESS);
    if (i < probes) {
      EXPECT_EQ(Str(e.value(), "path"), "/health");
      continue;
    }
    const Expected& want = expected[i - probes];
    EXPECT_EQ(Str(e.value(), "method"), want.method);
    EXPECT_EQ(Str(e.value(), "path"), want.path);
    EXPECT_EQ(status, want.status);
  }
  for (const std::string& secret : {token, wrong_token, body_marker, query_marker, std::string("0.000777"),
                                    std::string("orchestrator_id"), std::string("X-Admin-Token")}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "audit/payments-audit.log contains '" << secret << "'";
  }
  // The tokens appear in no log at all.
  for (const char* name : {"audit/payments-audit.log", "audit/ledger-events.log", "audit/registry.log"}) {
    std::string other = ReadFileOrEmpty(DataDir() + "/" + name);
    EXPECT_EQ(other.find(token), std::string::npos) << name;
    EXPECT_EQ(other.find(wrong_token), std::string::npos) << name;
  }
  EXPECT_EQ(ReadFileOrEmpty(server->log_file()).find(token), std::string::npos) << "service log";
}

// The 413 answer is a request like any other: its audit line must name the
// method and path, and its latency must be the time spent on it: no longer
// than the client saw from sending to the answer.
TEST_F(ServerIntegration, AuditLogNamesMethodAndPathOfOversizedRequest) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  double round_trip_ms = 0;
  {
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    const auto sent = std::chrono::steady_clock::now();
    auto r = client.Post("/api/workloads", std::string(70000, ' '));
    round_trip_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 413);
  }
  ASSERT_EQ(server->Terminate(), 0);
  const std::string text = ReadFileOrEmpty(DataDir() + "/audit/payments-audit.log");
  int found = 0;
  for (const auto& line : Lines(text)) {
    auto e = parser_.parse(line);
    ASSERT_EQ(e.error(), simdjson::SUCCESS) << line;
    int64_t status = 0;
    if (e.value()["status"].get_int64().get(status) != simdjson::SUCCESS || status != 413) continue;
    ++found;
    EXPECT_EQ(Str(e.value(), "method"), "POST") << line;
    EXPECT_EQ(Str(e.value(), "path"), "/api/workloads") << line;
    double latency = -1;
    EXPECT_EQ(e.value()["latency_ms"].get_double().get(latency), simdjson::SUCCESS);
    EXPECT_LE(latency, round_trip_ms) << "the server's span lies inside the client's: " << line;
  }
  EXPECT_EQ(found, 1) << text;
}

TEST_F(ServerIntegration, LedgerEventsLogUsesPythonEraFieldNames) {
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  const std::string tx = "0x" + std::string(64, 'b');
  {
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    ASSERT_EQ(client.Post("/api/orchestrators/register", RegisterBody("orch-ev"))->status, 201);
    auto credit = client.Post("/api/workloads",
                              "{\"workload_id\":\"wl-ev-1\",\"orchestrator_id\":\"orch-ev\","
                              "\"amount\":\"0.000123\",\"duration_ms\":42}");
    ASSERT_TRUE(credit.ok());
    ASSERT_EQ(credit->status, 201) << credit->body;
    auto payout = client.Post("/api/ledger/adjustments",
                              "{\"orchestrator_id\":\"orch-ev\",\"delta\":\"-0.000023\","
                              "\"reason\":\"payout\",\"tx_hash\":\"" +
                                  tx + "\"}");
    ASSERT_TRUE(payout.ok());
    ASSERT_EQ(payout->status, 201) << payout->body;
    auto bonus = client.Post("/api/ledger/adjustments",
                             "{\"orchestrator_id\":\"orch-ev\",\"delta\":\"0.5\",\"reason\":\"bonus\"}");
    ASSERT_TRUE(bonus.ok());
    ASSERT_EQ(bonus->status, 201) << bonus->body;
  }
  ASSERT_EQ(server->Terminate(), 0);

  const std::string text = ReadFileOrEmpty(DataDir() + "/audit/ledger-events.log");
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  const std::vector<std::string> kFields = {"timestamp", "event", "orchestrator_id", "amount",
                                            "balance",   "delta", "reason"};
  std::vector<simdjson::dom::element> events;
  std::vector<simdjson::dom::parser> parsers(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto e = parsers[i].parse(lines[i]);
    ASSERT_EQ(e.error(), simdjson::SUCCESS) << lines[i];
    events.push_back(e.value());
    for (const auto& f : kFields) {
      EXPECT_FALSE(Str(e.value(), f).empty()) << "field '" << f << "' missing in " << lines[i];
    }
    EXPECT_TRUE(std::regex_match(Str(e.value(), "timestamp"), kIsoMillis)) << lines[i];
    EXPECT_EQ(Str(e.value(), "orchestrator_id"), "orch-ev");
  }
  EXPECT_EQ(Str(events[0], "event"), "credit");
  EXPECT_EQ(Str(events[0], "amount"), "0.000123");
  EXPECT_EQ(Str(events[0], "delta"), "0.000123");
  EXPECT_EQ(Str(events[0], "balance"), "0.000123");
  std::string_view workload;
  EXPECT_EQ(events[0]["metadata"]["workload_id"].get_string().get(workload), simdjson::SUCCESS) << lines[0];
  EXPECT_EQ(workload, "wl-ev-1");
  EXPECT_EQ(UInt(events[0], "seq"), 2u);

  EXPECT_EQ(Str(events[1], "event"), "payout");
  EXPECT_EQ(Str(events[1], "amount"), "0.000023");
  EXPECT_EQ(Str(events[1], "delta"), "-0.000023");
  EXPECT_EQ(Str(events[1], "balance"), "0.0001");
  EXPECT_EQ(Str(events[1], "reason"), "payout");
  std::string_view tx_seen;
  EXPECT_EQ(events[1]["metadata"]["tx_hash"].get_string().get(tx_seen), simdjson::SUCCESS) << lines[1];
  EXPECT_EQ(tx_seen, tx);

  EXPECT_EQ(Str(events[2], "event"), "adjustment");
  EXPECT_EQ(Str(events[2], "delta"), "0.5");
  EXPECT_EQ(Str(events[2], "balance"), "0.5001");
  EXPECT_EQ(Str(events[2], "reason"), "bonus");

  const auto registry = Lines(ReadFileOrEmpty(DataDir() + "/audit/registry.log"));
  ASSERT_EQ(registry.size(), 1u);
  auto r = parser_.parse(registry[0]);
  ASSERT_EQ(r.error(), simdjson::SUCCESS);
  EXPECT_EQ(Str(r.value(), "event"), "register");
  EXPECT_EQ(Str(r.value(), "orchestrator_id"), "orch-ev");
  EXPECT_TRUE(std::regex_match(Str(r.value(), "timestamp"), kIsoMillis));
}

TEST_F(ServerIntegration, RestartAfterKill9KeepsEveryAcknowledgedCredit) {
  constexpr int kOrchestrators = 4;
  constexpr int kCredits = 200;
  auto server = StartBackend();
  ASSERT_NE(server, nullptr);
  std::map<std::string, Wei> expected_balance;
  {
    HttpClient client(server->port());
    ASSERT_TRUE(client.Connect().ok());
    for (int o = 0; o < kOrchestrators; ++o) {
      ASSERT_EQ(client.Post("/api/orchestrators/register", RegisterBody("orch-k" + std::to_string(o)))->status, 201);
      expected_balance["orch-k" + std::to_string(o)] = 0;
    }
    for (int i = 0; i < kCredits; ++i) {
      std::string orch = "orch-k" + std::to_string(i % kOrchestrators);
      std::string amount = "0.00000" + std::to_string(1 + i % 9);
      auto r = client.Post("/api/workloads", CreditBody("wl-k-" + std::to_string(i), orch, amount));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 201) << r->body;
      expected_balance[orch] += EthToWei(amount);
    }
  }
  EXPECT_EQ(server->Kill9(), 128 + 9);
  RunOutput verify = RunVerify(DataDir());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  server = StartBackend();
  ASSERT_NE(server, nullptr);
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());
  for (int i = 0; i < kCredits; ++i) {
    auto r = client.Get("/api/workloads/wl-k-" + std::to_string(i));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << "acknowledged credit wl-k-" << i << " was lost";
  }
  auto balances = client.Get("/api/balances");
  ASSERT_TRUE(balances.ok());
  auto b = parser_.parse(balances->body)["balances"];
  ASSERT_EQ(b.error(), simdjson::SUCCESS) << balances->body;
  for (const auto& [orch, wei] : expected_balance) {
    EXPECT_EQ(Str(b.value(), orch), WeiToEth(wei)) << orch;
  }
  auto health = client.Get("/health");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(UInt(parser_.parse(health->body).value(), "journal_seq"), uint64_t{kOrchestrators + kCredits});
  EXPECT_EQ(server->Terminate(), 0);
  verify = RunVerify(DataDir());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

}  // namespace
}  // namespace pb::integration
