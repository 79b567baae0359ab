// Fuzz target: whole requests through Api::Handle (routing, authorization,
// validation and the ledger's rules) on a fresh ledger per input, in a
// scratch directory. The input is up to kMaxRequests requests separated by
// NUL bytes; each is a selector byte (method, and which X-Admin-Token is
// sent), then the target up to the first '\n', then the body.
// Aborts when an answer is not a status 200-599 with a JSON body, when a
// refused request (4xx/5xx) changed the ledger, or when the journal the
// API wrote does not reopen to the same last seq.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "server/api.h"
#include "support/scratch_dir.h"

namespace {

constexpr size_t kMaxRequests = 16;
constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
constexpr size_t kMethodCount = sizeof(kMethods) / sizeof(kMethods[0]);
constexpr const char* kToken = "fuzz-admin-token";

const pb::fuzz::ScratchDir scratch("pb-fuzz-api");

[[noreturn]] void Fail(const std::string& what, const pb::server::Request& request) {
  std::fprintf(stderr, "api_request: %s\n  request: %s %s\n  body: %s\n", what.c_str(), request.method.c_str(),
               request.target.c_str(), request.body.substr(0, 512).c_str());
  std::abort();
}

pb::server::Request Decode(std::string_view chunk) {
  pb::server::Request r;
  const auto selector = static_cast<unsigned char>(chunk[0]);
  r.method = kMethods[selector % kMethodCount];
  switch ((selector / kMethodCount) % 3) {
    case 0: break;  // no token
    case 1: r.admin_token = kToken; break;
    default: r.admin_token = "not-the-token"; break;
  }
  chunk.remove_prefix(1);
  const size_t newline = chunk.find('\n');
  r.target = std::string(chunk.substr(0, newline));
  if (newline != std::string_view::npos) r.body = std::string(chunk.substr(newline + 1));
  return r;
}

void Check(pb::ledger::Ledger* ledger, pb::server::Api* api, const pb::server::Request& request) {
  const uint64_t before = ledger->last_seq();
  pb::server::Reply reply = api->Handle(request);
  pb::server::RenderNow(&reply);
  const int status = reply.response.status;
  if (status < 200 || status > 599) Fail("status " + std::to_string(status), request);
  if (status >= 400 && ledger->last_seq() != before) Fail("a refused request changed the ledger", request);
  if (reply.wait_seq > ledger->last_seq()) Fail("the reply waits for a seq never submitted", request);
  if (reply.response.content_type == "application/json") {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(simdjson::padded_string(reply.response.body)).get(root) != simdjson::SUCCESS) {
      Fail("the answer is not JSON: " + reply.response.body.substr(0, 512), request);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pb;
  const std::string dir = scratch.path + "/data";
  std::filesystem::remove_all(dir);
  uint64_t last_seq = 0;
  {
    auto opened = ledger::Ledger::Open(dir);
    if (!opened.ok()) std::abort();
    std::unique_ptr<ledger::Ledger> ledger = std::move(opened).value();
    server::Api api(ledger.get(), kToken);
    if (!ledger->Start({[&api](uint64_t seq) { api.SetDurableSeq(seq); }, [](const Status&) {}}).ok()) std::abort();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    for (size_t n = 0; n < kMaxRequests && !input.empty(); ++n) {
      const size_t end = input.find('\0');
      const std::string_view chunk = input.substr(0, end);
      input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
      if (!chunk.empty()) Check(ledger.get(), &api, Decode(chunk));
    }
    last_seq = ledger->last_seq();
    if (!ledger->Shutdown().ok()) std::abort();
  }
  auto reopened = ledger::Ledger::Open(dir);
  if (!reopened.ok() || (*reopened)->last_seq() != last_seq) {
    std::fprintf(stderr, "api_request: the journal does not reopen to seq %llu: %s\n",
                 static_cast<unsigned long long>(last_seq),
                 reopened.ok() ? std::to_string((*reopened)->last_seq()).c_str()
                               : reopened.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
