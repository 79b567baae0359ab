// Hostile clients against a real payments-backend on 127.0.0.1 (README.md,
// "Connection limits"): a flood of idle and slowloris connections against a
// low open-file limit while credits roll the journal, and a thousand clients
// that never read their large replies. What happened is proven by the
// server's own answers and counters, never by timing.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "support/connection_crowd.h"
#include "support/backend_probe.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

namespace fs = std::filesystem;

size_t JournalSegments(const std::string& data_dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir + "/journal", ec)) n += e.path().extension() == ".journal";
  return n;
}

// One keep-alive client crediting `orchestrator`; a connection the server
// closed or refused (503 "overloaded", at the connection cap) is reopened
// and the same credit sent again (a credit is idempotent).
class Creditor {
 public:
  // `io_timeout`: how long one answer may take (an answer is what is
  // checked, not how fast it comes).
  Creditor(uint16_t port, std::string orchestrator, std::chrono::milliseconds io_timeout = 60s)
      : client_(port, io_timeout), orchestrator_(std::move(orchestrator)) {}

  // True once `workload_id` is answered 2xx; false with *why for any other
  // answer, or after 500 attempts.
  bool Credit(const std::string& workload_id, std::string* why) {
    for (int attempt = 0; attempt < 500; ++attempt) {
      if (!client_.connected() && !client_.Connect().ok()) continue;
      auto r = client_.Post("/api/workloads", CreditBody(workload_id, orchestrator_, "0.000001"));
      if (!r.ok()) continue;  // closed under us: the credit is sent again
      if (r->status == 200 || r->status == 201) return true;
      if (r->status == 503 && r->body.find("\"overloaded\"") != std::string::npos) {
        ++overloaded_;
        std::this_thread::sleep_for(20ms);  // the cap is full: wait for a slot
        continue;
      }
      *why = workload_id + ": " + std::to_string(r->status) + " " + r->body;
      return false;
    }
    *why = workload_id + ": no answer in 500 attempts";
    return false;
  }
  int overloaded() const { return overloaded_; }

 private:
  HttpClient client_;
  std::string orchestrator_;
  int overloaded_ = 0;
};

std::string HealthStatus(uint16_t port) {
  HttpClient probe(port, 60s);
  if (!probe.Connect().ok()) return "no connection";
  auto health = probe.Get("/health");
  if (!health.ok()) return health.status().ToString();
  simdjson::dom::parser parser;
  std::string_view status;
  auto doc = parser.parse(health->body);
  if (doc.error() != simdjson::SUCCESS || doc.value()["status"].get_string().get(status) != simdjson::SUCCESS) {
    return health->body;
  }
  return std::to_string(health->status) + " " + std::string(status);
}

TEST(ConnectionLimits, FloodAndSlowlorisAreShedWhileCreditsRollTheJournal) {
  constexpr size_t kFlood = 5000, kSlowloris = 20;
  TempDir dir;
  BackendOptions options;
  options.data_dir = dir.Sub("data");
  options.log_file = dir.Sub("backend.log");
  // 256 descriptors: 128 kept by the default --fd-reserve, 128 for clients.
  options.open_files_limit = 256;
  options.extra_args = {"--idle-timeout", "10s", "--header-timeout", "2s", "--journal-segment-bytes", "16384"};
  auto started = BackendProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto& server = *started;
  {
    HttpClient setup(server->port());
    ASSERT_TRUE(setup.Connect().ok());
    ASSERT_EQ(setup.Post("/api/orchestrators/register", RegisterBody("orch-flood"))->status, 201);
  }
  Creditor creditor(server->port(), "orch-flood");
  std::string why;
  ASSERT_TRUE(creditor.Credit("wl-flood-first", &why)) << why;  // its connection is admitted before the flood

  // Slowloris: a header that never ends, one byte at a time.
  ConnectionCrowd slowloris(server->port());
  slowloris.Connect(kSlowloris);
  ASSERT_EQ(slowloris.connected(), kSlowloris);
  slowloris.SendToAll("GET /health HTTP/1.1\r\nHost: x\r\n");
  std::thread trickle([&] {
    for (int i = 0; i < 600 && slowloris.open() > 0; ++i) {
      slowloris.SendToAll("X");
      slowloris.Poll(/*read=*/true, 100ms);
    }
  });
  // The flood: connections that never send a byte.
  ConnectionCrowd flood(server->port());
  std::atomic<bool> flood_in_place{false};
  std::thread flooder([&] {
    flood.Connect(kFlood);
    flood_in_place = true;
    flood.WaitAllClosed(/*read=*/true, 120s);
  });

  // Credits from before the flood until the journal rolled 3 times with the
  // flood in place.
  size_t credits = 1, segments_at_flood = 0;
  bool rolled_in_flood = false;
  for (; credits < 3000 && !rolled_in_flood; ++credits) {
    if (!creditor.Credit("wl-flood-" + std::to_string(credits), &why)) break;
    if (segments_at_flood == 0 && flood_in_place) segments_at_flood = JournalSegments(options.data_dir);
    rolled_in_flood = segments_at_flood > 0 && JournalSegments(options.data_dir) >= segments_at_flood + 3;
  }
  const size_t flood_open_after_rolls = flood.open();
  flooder.join();
  trickle.join();
  ASSERT_TRUE(why.empty()) << "a credit was not answered 2xx nor refused by the cap: " << why;
  ASSERT_TRUE(rolled_in_flood) << "the journal did not roll 3 times in " << credits << " credits";
  EXPECT_GT(flood_open_after_rolls, 0u) << "the flood held connections while the journal rolled";

  EXPECT_EQ(flood.connected() + flood.connect_failed(), kFlood);
  EXPECT_EQ(flood.open(), 0u) << "flood connections the server never closed";
  EXPECT_GT(flood.answered(503), 0u) << "the connection cap was never reached";
  EXPECT_GT(flood.closed_silently(), 0u) << "no flood connection was admitted";
  EXPECT_EQ(flood.answered(503) + flood.closed_silently(), flood.connected())
      << "every flood connection is either refused with 503 or admitted and closed when idle";
  EXPECT_EQ(slowloris.answered(408), kSlowloris);
  EXPECT_EQ(slowloris.open(), 0u);
  EXPECT_EQ(HealthStatus(server->port()), "200 ok");

  ASSERT_EQ(server->Terminate(), 0);
  const std::string log = ReadFileOrEmpty(server->log_file());
  auto stats = LoggedServerStats(log);
  EXPECT_GE(stats["refused_over_cap"], flood.answered(503)) << log.substr(log.size() - std::min<size_t>(log.size(), 2000));
  EXPECT_GE(stats["closed_idle"], flood.closed_silently());
  EXPECT_EQ(stats["closed_header_timeout"], kSlowloris);
  EXPECT_EQ(stats["rejected_408"], kSlowloris);
  EXPECT_EQ(stats["accept_pauses"], 0u) << "the cap must keep accept() from running out of descriptors";
  EXPECT_EQ(log.find("journal:"), std::string::npos) << "the journal failed:\n" << FileTail(server->log_file());
  RunOutput verify = RunVerify(options.data_dir);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

TEST(ConnectionLimits, ClientsThatNeverReadAreClosedByTheWriteTimeoutInBoundedMemory) {
  constexpr size_t kReaders = 1000;
  constexpr uint64_t kReplyMemoryMiB = 32, kSlackMiB = 64;
  TempDir dir;
  const std::string data = dir.Sub("data");
  RunOutput gen = RunBounded({BinPath("bench-journal-gen"), "--data-dir", data, "--orchestrators", "4",
                              "--workloads", "1000"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  BackendOptions options;
  options.data_dir = data;
  options.log_file = dir.Sub("backend.log");
  options.extra_args = {"--write-timeout", "2s", "--idle-timeout", "2s", "--send-buffer-kib", "64",
                        "--max-reply-memory-mib", std::to_string(kReplyMemoryMiB)};
  auto started = BackendProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  auto& server = *started;
  // The largest page of the largest list: far more than the kernel buffers
  // of one connection take (64 KiB asked, the kernel doubles it).
  const std::string page = "/api/workloads?offset=0&limit=1000";
  HttpClient client(server->port());
  ASSERT_TRUE(client.Connect().ok());
  auto reply = client.Get(page);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(reply->status, 200);
  ASSERT_GT(reply->body.size(), 150u * 1024) << "the reply must not fit in the socket buffers";
  const uint64_t rss_before_kib = ProcStatusKiB(server->pid(), "VmRSS");
  ASSERT_GT(rss_before_kib, 0u);

  ConnectionCrowd readers(server->port());
  readers.Connect(kReaders, /*receive_buffer=*/4096);
  ASSERT_EQ(readers.connected(), kReaders);
  readers.SendToAll("GET " + page + " HTTP/1.1\r\nHost: x\r\n\r\n");  // never read

  // Alongside: credits and /health are answered.
  Creditor creditor(server->port(), "bench-0");
  std::string why;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(creditor.Credit("wl-slow-" + std::to_string(i), &why)) << why;
  EXPECT_EQ(HealthStatus(server->port()), "200 ok");
  EXPECT_TRUE(readers.WaitAllClosed(/*read=*/false, 120s)) << readers.open() << " readers were never closed";
  const uint64_t peak_kib = ProcStatusKiB(server->pid(), "VmHWM");
  std::printf("[ measure  ] reply %zu bytes; RSS before the readers %llu KiB, peak %llu KiB\n", reply->body.size(),
              static_cast<unsigned long long>(rss_before_kib), static_cast<unsigned long long>(peak_kib));
  EXPECT_LE(peak_kib, rss_before_kib + (kReplyMemoryMiB + kSlackMiB) * 1024)
      << "RSS before the readers " << rss_before_kib << " KiB, peak " << peak_kib << " KiB";
  EXPECT_EQ(HealthStatus(server->port()), "200 ok");

  ASSERT_EQ(server->Terminate(), 0);
  auto stats = LoggedServerStats(ReadFileOrEmpty(server->log_file()));
  EXPECT_GT(stats["closed_write_timeout"], 0u);
  EXPECT_GT(stats["refused_reply_memory"], 0u) << "the reply memory limit was never reached";
  // Every reader that got a reply is closed by the write timeout; one
  // answered "busy" instead, when idle.
  EXPECT_GE(stats["closed_write_timeout"] + stats["closed_idle"], kReaders);
}

}  // namespace
}  // namespace pb::integration
