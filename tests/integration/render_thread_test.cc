// Pages of list routes are rendered off the event loop (issue 16): the
// server runs in-process with a render executor that holds every page job
// until the test releases it. While a page is held, a credit on another
// connection is answered, so the page did not hold the event loop; once
// released, the page answers with the state as of its request.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "ledger/ledger.h"
#include "server/api.h"
#include "server/http_server.h"
#include "support/temp_dir.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

using namespace std::chrono_literals;

// Render jobs, held until Release() runs them on the test's thread.
class HeldJobs {
 public:
  void Push(std::function<void()> job) {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
    cv_.notify_all();
  }
  // True once `n` jobs are held (waits at most 10 s: a hang, not a speed bound).
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return jobs_.size() >= n; });
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return jobs_.size();
  }
  void Release() {
    std::deque<std::function<void()>> jobs;
    {
      std::lock_guard lock(mu_);
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) job();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
};

TEST(RenderThread, ACreditIsAnsweredWhileAPageIsBeingRendered) {
  testing::TempDir dir;
  auto opened = ledger::Ledger::Open(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<ledger::Ledger> ledger = std::move(opened.value());
  server::Api api(ledger.get(), "");
  HeldJobs held;
  server::ServerOptions options;
  options.port = 0;
  options.render_executor = [&held](std::function<void()> job) { held.Push(std::move(job)); };
  server::HttpServer server(ledger.get(), &api, options);
  ASSERT_TRUE(server.Listen().ok());
  std::thread loop([&] { server.Run(); });

  HttpClient writer(server.port());
  ASSERT_TRUE(writer.ConnectWithRetry().ok());
  auto reg = writer.Post("/api/orchestrators/register",
                         R"({"orchestrator_id":"orch-1","address":"0x1111111111111111111111111111111111111111"})");
  ASSERT_TRUE(reg.ok() && reg->status == 201) << (reg.ok() ? reg->body : reg.status().ToString());
  auto first = writer.Post("/api/workloads", CreditBody("w-1", "orch-1", "0.5"));
  ASSERT_TRUE(first.ok() && first->status == 201);

  std::atomic<bool> page_answered{false};
  Result<HttpResponse> page = Status::Unavailable("not answered");
  std::thread reader([&] {
    HttpClient client(server.port(), 30s);
    if (client.Connect().ok()) page = client.Get("/api/workloads?limit=1000");
    page_answered = true;
  });
  ASSERT_TRUE(held.WaitFor(1)) << "the page was not handed to the render executor";

  // The page is held: the event loop still answers a credit.
  auto second = writer.Post("/api/workloads", CreditBody("w-2", "orch-1", "0.5"));
  ASSERT_TRUE(second.ok() && second->status == 201) << (second.ok() ? second->body : second.status().ToString());
  EXPECT_FALSE(page_answered.load()) << "the page was answered before its rendering ran";
  EXPECT_EQ(held.size(), 1u);

  held.Release();
  reader.join();
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->status, 200);
  // As of the request: w-1 only.
  EXPECT_NE(page->body.find("\"total\":1,"), std::string::npos) << page->body;
  EXPECT_EQ(page->body.find("w-2"), std::string::npos) << page->body;

  server.Stop();
  loop.join();
  EXPECT_TRUE(ledger->Shutdown().ok());
}

}  // namespace
}  // namespace pb::integration
