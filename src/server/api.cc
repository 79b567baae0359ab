#include "server/api.h"

#include <openssl/crypto.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/json_text.h"
#include "common/time_util.h"
#include "ledger/state_json.h"
#include "server/json_body.h"
#include "server/openapi.h"
#include "server/service_metrics.h"
#include "server/pagination.h"
#include "server/validate.h"

namespace pb::server {

using ledger::Record;
using ledger::RecordType;

Reply ErrorReply(int status, std::string_view kind, std::string_view message) {
  Reply reply;
  reply.response.status = status;
  std::string& out = reply.response.body;
  JsonObject o(&out);
  std::string* inner = o.Key("error");
  JsonObject(inner).Str("kind", kind).Str("message", message).Close();
  o.Close();
  return reply;
}

namespace {

Reply FromStatus(const Status& st, int invalid_status = 400) {
  switch (st.kind()) {
    case Status::Kind::kInvalidArgument: return ErrorReply(invalid_status, "invalid_argument", st.message());
    case Status::Kind::kNotFound: return ErrorReply(404, "not_found", st.message());
    case Status::Kind::kConflict: return ErrorReply(409, "conflict", st.message());
    case Status::Kind::kUnavailable: return ErrorReply(503, "unavailable", st.message());
    default: return ErrorReply(500, "internal", st.message());
  }
}

// Splits "/a/b?x" into path segments after the prefix and the query.
struct Target {
  std::string_view path, query;
};
Target SplitTarget(std::string_view target) {
  size_t q = target.find('?');
  return {target.substr(0, q), q == std::string_view::npos ? std::string_view() : target.substr(q + 1)};
}

Response OkResponse(std::string body) {
  Response response;
  response.body = std::move(body);
  return response;
}

// Estimates of a page's body (Reply::render_bytes): its envelope, and one
// entry (ids and addresses are at most a few hundred bytes; an adopted
// Python-era workload may be longer, and is counted when rendered).
constexpr size_t kPageBaseBytes = 256;
constexpr size_t kPageEntryBytes = 384;

#define PB_TAKE(var, expr)                          \
  auto var##_r = (expr);                            \
  if (!var##_r.ok()) return FromStatus(var##_r.status()); \
  auto var = std::move(var##_r.value())

#define PB_CHECK(expr)                      \
  do {                                      \
    ::pb::Status _s = (expr);               \
    if (!_s.ok()) return FromStatus(_s);    \
  } while (0)

}  // namespace

Api::Api(ledger::Ledger* ledger, std::string admin_token)
    : ledger_(ledger), admin_token_(std::move(admin_token)), started_us_(MonotonicMicros()) {}

void Api::SetFailed(std::string why) {
  failure_ = std::move(why);
  failed_ = true;
}

bool Api::Authorized(const Request& r) const {
  if (admin_token_.empty()) return true;
  return r.admin_token.size() == admin_token_.size() &&
         CRYPTO_memcmp(r.admin_token.data(), admin_token_.data(), admin_token_.size()) == 0;
}

Reply Api::Read(std::string body) const {
  Reply reply;
  reply.response.body = std::move(body);
  reply.wait_seq = ledger_->last_seq();
  return reply;
}

Reply Api::DeferredRead(size_t entries, std::function<Response()> render) const {
  Reply reply;
  reply.wait_seq = ledger_->last_seq();
  reply.render = std::move(render);
  reply.render_bytes = kPageBaseBytes + entries * kPageEntryBytes;
  return reply;
}

Reply Api::Handle(const Request& request) {
  // Not a structured binding: the lambda below captures path (clang 14, the
  // fuzzers' compiler, cannot capture bindings).
  const Target target = SplitTarget(request.target);
  const std::string_view path = target.path, query = target.query;
  const std::string& m = request.method;
  if (path == "/health" && m == "GET") return Health();
  if (path == "/health/primary" && m == "GET") return RoleHealth(false);
  if (path == "/health/standby" && m == "GET") return RoleHealth(true);
  if (path == "/openapi.json" && m == "GET") {
    Reply r;
    r.response.body = OpenApiDocument();
    return r;
  }
  if (path == "/metrics" && m == "GET" && metrics_ != nullptr) {
    Reply r;
    r.response.body = metrics_->Render();
    r.response.content_type = std::string(metrics::kContentType);
    return r;
  }
  if (path.substr(0, 5) != "/api/") return ErrorReply(404, "not_found", "no such route");
  if (!Authorized(request)) return ErrorReply(401, "unauthorized", "missing or wrong X-Admin-Token header");
  if (m == "POST" && commit_gate_ != nullptr) {
    if (Status open = commit_gate_->AcceptsWrites(); !open.ok()) return ErrorReply(503, "unavailable", open.message());
  }
  auto tail_id = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view rest = path.substr(prefix.size());
    if (rest.find('/') != std::string_view::npos) return std::nullopt;
    return rest;
  };
  bool get = m == "GET", post = m == "POST";
  if (path == "/api/orchestrators/register") return post ? Register(request) : ErrorReply(405, "method_not_allowed", "use POST");
  if (path == "/api/orchestrators") return get ? ListOrchestrators(query) : ErrorReply(405, "method_not_allowed", "use GET");
  if (path == "/api/workloads") {
    if (post) return CreditWorkload(request);
    return get ? ListWorkloads(query) : ErrorReply(405, "method_not_allowed", "use GET or POST");
  }
  if (path == "/api/workloads/summary") return get ? WorkloadSummary() : ErrorReply(405, "method_not_allowed", "use GET");
  if (path == "/api/ledger/events") return get ? LedgerEvents(query) : ErrorReply(405, "method_not_allowed", "use GET");
  if (path == "/api/balances") return get ? Balances(query) : ErrorReply(405, "method_not_allowed", "use GET");
  if (path == "/api/ledger/adjustments") return post ? Adjust(request) : ErrorReply(405, "method_not_allowed", "use POST");
  for (auto [prefix, is_orch] : {std::pair{"/api/orchestrators/", true}, std::pair{"/api/workloads/", false}}) {
    if (auto raw = tail_id(prefix)) {
      if (!get) return ErrorReply(405, "method_not_allowed", "use GET");
      PB_TAKE(id, PercentDecode(*raw));
      return is_orch ? GetOrchestrator(id) : GetWorkload(id);
    }
  }
  return ErrorReply(404, "not_found", "no such route");
}

std::string_view RouteTemplate(std::string_view path) {
  static constexpr std::string_view kFixed[] = {
      "/health",          "/health/primary",        "/health/standby",    "/metrics",
      "/openapi.json",    "/api/orchestrators/register", "/api/orchestrators", "/api/workloads",
      "/api/balances",    "/api/workloads/summary", "/api/ledger/events", "/api/ledger/adjustments"};
  for (std::string_view route : kFixed) {
    if (path == route) return route;
  }
  for (auto [prefix, route] : {std::pair<std::string_view, std::string_view>{"/api/orchestrators/", "/api/orchestrators/{id}"},
                               std::pair<std::string_view, std::string_view>{"/api/workloads/", "/api/workloads/{id}"}}) {
    if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
        path.find('/', prefix.size()) == std::string_view::npos) {
      return route;
    }
  }
  return "other";
}

void Api::RecordRequest(std::string_view method, std::string_view target, int status, int64_t micros) {
  if (metrics_ != nullptr) metrics_->RecordRequest(RouteTemplate(SplitTarget(target).path), method, status, micros);
}

Reply Api::RoleHealth(bool want_standby) {
  const bool standby = commit_gate_ != nullptr && commit_gate_->IsStandby();
  Status serving = failed() ? Status::Unavailable("the journal failed: " + failure_) : Status::Ok();
  if (serving.ok() && standby != want_standby) {
    serving = Status::Unavailable(standby ? "this node is a standby" : "this node is a primary");
  } else if (serving.ok() && commit_gate_ != nullptr && !commit_gate_->Healthy()) {
    serving = standby ? Status::Unavailable("this standby is not following its primary (see /health)")
                      : commit_gate_->AcceptsWrites();
  }
  Reply reply;
  JsonObject o(&reply.response.body);
  o.Str("role", standby ? "standby" : "primary").Bool("ok", serving.ok());
  if (!serving.ok()) o.Str("reason", serving.message());
  o.Close();
  if (!serving.ok()) reply.response.status = 503;
  return reply;
}

Reply Api::Health() {
  Reply reply;
  std::string& out = reply.response.body;
  JsonObject o(&out);
  std::optional<replicate::ReplicationStatus> replication;
  if (replication_status_) replication = replication_status_();
  const bool degraded =
      (replication && !replicate::Healthy(*replication)) || (commit_gate_ != nullptr && !commit_gate_->Healthy());
  o.Str("status", failed() ? "failed" : degraded ? "degraded" : "ok");
  if (failed()) o.Str("error", failure_);
  if (replication) o.Raw("replication", replicate::EncodeStatus(*replication));
  if (commit_gate_ != nullptr) o.Raw("cluster", commit_gate_->HealthJson());
  o.UInt("journal_seq", ledger_->last_seq()).UInt("durable_seq", durable_seq());
  o.UInt("checkpoint_seq", ledger_->checkpoint_seq());
  o.Int("uptime_seconds", (MonotonicMicros() - started_us_) / 1000000);
  o.UInt("orchestrators", ledger_->state().orchestrators().size());
  o.UInt("workloads", ledger_->state().workloads().size());
  o.Close();
  if (failed()) reply.response.status = 503;
  return reply;
}

Reply Api::Submit(Record record, int status, std::string (Api::*render)(const Record&) const) {
  if (failed()) return ErrorReply(503, "unavailable", "the journal failed; writes are refused until restart: " + failure_);
  auto seq = ledger_->Submit(record);
  if (!seq.ok()) return FromStatus(seq.status(), 422);
  Reply reply;
  reply.response.status = status;
  reply.wait_seq = *seq;
  reply.response.body = (this->*render)(record);
  return reply;
}

Reply Api::Register(const Request& r) {
  RequestBody body;
  PB_CHECK(body.Parse(r.body, {"orchestrator_id", "address"}));
  PB_TAKE(id, body.Str("orchestrator_id"));
  PB_TAKE(address, body.Str("address"));
  PB_CHECK(CheckId("orchestrator_id", *id));
  PB_CHECK(CheckAddress(*address));
  Record rec;
  rec.type = RecordType::kRegister;
  rec.orchestrator_id = *id;
  rec.address = *address;
  bool existed = ledger_->state().FindOrchestrator(*id) != nullptr;
  return Submit(std::move(rec), existed ? 200 : 201, &Api::RenderOrchestrator);
}

std::string Api::RenderOrchestrator(const Record& r) const {
  const auto& state = ledger_->state();
  return ledger::OrchestratorJson(*state.FindOrchestrator(r.orchestrator_id), state.Balance(r.orchestrator_id), true);
}

Reply Api::ListOrchestrators(std::string_view query) {
  PB_TAKE(page, ParsePage(query));
  const auto& state = ledger_->state();
  const auto& all = state.orchestrators();
  const uint64_t total = all.size(), end = PageEnd(page, total);
  // Copied: an orchestrator and its balance change in place.
  auto entries = std::make_shared<std::vector<std::pair<ledger::Orchestrator, Wei>>>();
  entries->reserve(end - page.offset);
  for (uint64_t i = page.offset; i < end; ++i) entries->emplace_back(all[i], state.Balance(all[i].id));
  return DeferredRead(entries->size(), [page, total, entries] {
    return OkResponse(PageJson("orchestrators", false, page, total, [&](uint64_t i, std::string* out) {
      const auto& [o, balance] = (*entries)[i - page.offset];
      *out += ledger::OrchestratorJson(o, balance, true);
    }));
  });
}

Reply Api::GetOrchestrator(const std::string& id) {
  const auto& state = ledger_->state();
  const auto* o = state.FindOrchestrator(id);
  if (o == nullptr) return ErrorReply(404, "not_found", "orchestrator '" + id.substr(0, 128) + "' is not registered");
  return Read(ledger::OrchestratorJson(*o, state.Balance(id), true));
}

Reply Api::CreditWorkload(const Request& r) {
  RequestBody body;
  PB_CHECK(body.Parse(r.body, {"workload_id", "orchestrator_id", "amount", "duration_ms"}));
  PB_TAKE(wid, body.Str("workload_id"));
  PB_TAKE(oid, body.Str("orchestrator_id"));
  PB_TAKE(amount_text, body.Str("amount"));
  PB_TAKE(duration, body.UInt("duration_ms"));
  PB_CHECK(CheckId("workload_id", *wid));
  PB_CHECK(CheckId("orchestrator_id", *oid));
  PB_TAKE(amount, ParseEth(*amount_text));
  if (amount <= 0) return ErrorReply(400, "invalid_argument", "amount must be greater than zero");
  const auto& state = ledger_->state();
  if (const auto* existing = state.FindWorkload(*wid)) {
    bool same = !existing->raw_record && *existing->orchestrator_id == *oid && existing->amount == amount &&
                existing->duration_ms == duration;
    if (!same) {
      return ErrorReply(409, "conflict", "workload '" + *wid + "' was already recorded with a different body");
    }
    return Read(ledger::WorkloadJson(*existing));  // the first result, once durable
  }
  const auto* orch = state.FindOrchestrator(*oid);
  if (orch == nullptr) return ErrorReply(422, "not_found", "orchestrator '" + *oid + "' is not registered");
  if (orch->denylisted) return ErrorReply(422, "denylisted", "orchestrator '" + *oid + "' is denylisted");
  Record rec;
  rec.type = RecordType::kWorkload;
  rec.workload_id = *wid;
  rec.orchestrator_id = *oid;
  rec.amount = amount;
  rec.duration_ms = duration;
  return Submit(std::move(rec), 201, &Api::RenderWorkload);
}

std::string Api::RenderWorkload(const Record& r) const {
  return ledger::WorkloadJson(*ledger_->state().FindWorkload(r.workload_id));
}

Reply Api::ListWorkloads(std::string_view query) {
  PB_TAKE(page, ParsePage(query));
  const auto& all = ledger_->state().workloads();
  const uint64_t total = all.size(), end = PageEnd(page, total);
  // Pointers: workloads never move and never change (ledger::StableVector).
  auto entries = std::make_shared<std::vector<const ledger::Workload*>>();
  entries->reserve(end - page.offset);
  for (uint64_t i = page.offset; i < end; ++i) entries->push_back(&all[i]);
  return DeferredRead(entries->size(), [page, total, entries] {
    return OkResponse(PageJson("workloads", false, page, total, [&](uint64_t i, std::string* out) {
      *out += ledger::WorkloadJson(*(*entries)[i - page.offset]);
    }));
  });
}

Reply Api::GetWorkload(const std::string& id) {
  const auto* w = ledger_->state().FindWorkload(id);
  if (w == nullptr) return ErrorReply(404, "not_found", "workload '" + id.substr(0, 128) + "' does not exist");
  return Read(ledger::WorkloadJson(*w));
}

Reply Api::WorkloadSummary() {
  const auto& state = ledger_->state();
  std::string out;
  JsonObject o(&out);
  o.UInt("total", state.workloads().size()).UInt("credited", state.credited_workloads());
  o.UInt("imported", state.workloads().size() - state.credited_workloads());
  o.Str("total_credited", FormatEth(state.total_credited())).Close();
  return Read(std::move(out));
}

Reply Api::LedgerEvents(std::string_view query) {
  PB_CHECK(CheckQueryKeys(query, {"after_seq", "limit"}));
  PB_TAKE(after, QueryUInt(query, "after_seq", 0, 0, UINT64_MAX >> 1));
  PB_TAKE(limit, QueryUInt(query, "limit", kDefaultPageLimit, 1, kMaxPageLimit));
  const uint64_t durable = durable_seq();
  ledger::Ledger* ledger = ledger_;
  Reply reply = DeferredRead(limit, [ledger, after, durable, limit]() -> Response {
    auto events = ledger->Events(after, durable, limit);
    if (!events.ok()) return FromStatus(events.status()).response;
    std::string out = "{\"events\":[";
    for (size_t i = 0; i < events->size(); ++i) {
      if (i) out.push_back(',');
      out += (*events)[i];
    }
    const uint64_t next = after + events->size();
    out += "],\"next_after_seq\":" + std::to_string(next) + ",\"more\":" + (next < durable ? "true" : "false") + "}";
    return OkResponse(std::move(out));
  });
  reply.wait_seq = 0;  // it shows durable records only
  return reply;
}

Reply Api::Balances(std::string_view query) {
  PB_TAKE(page, ParsePage(query));
  const auto& all = ledger_->state().balances();
  const uint64_t total = all.size(), end = PageEnd(page, total);
  // Copied: balances change in place.
  auto entries = std::make_shared<std::vector<std::pair<std::string, Wei>>>();
  entries->reserve(end - page.offset);
  for (uint64_t i = page.offset; i < end; ++i) entries->push_back(all[i]);
  return DeferredRead(entries->size(), [page, total, entries] {
    return OkResponse(PageJson("balances", true, page, total, [&](uint64_t i, std::string* out) {
      const auto& [id, balance] = (*entries)[i - page.offset];
      AppendJsonString(out, id);
      out->push_back(':');
      AppendJsonString(out, FormatEth(balance));
    }));
  });
}

Reply Api::Adjust(const Request& r) {
  RequestBody body;
  PB_CHECK(body.Parse(r.body, {"orchestrator_id", "delta", "reason", "tx_hash"}));
  PB_TAKE(oid, body.Str("orchestrator_id"));
  PB_TAKE(delta_text, body.Str("delta"));
  PB_TAKE(reason, body.Str("reason"));
  PB_TAKE(tx_hash, body.Str("tx_hash", false));
  PB_CHECK(CheckId("orchestrator_id", *oid));
  PB_CHECK(CheckReason(*reason));
  if (tx_hash) PB_CHECK(CheckTxHash(*tx_hash));
  PB_TAKE(delta, ParseEth(*delta_text, Sign::kSigned));
  if (delta == 0) return ErrorReply(400, "invalid_argument", "delta must not be zero");
  Record rec;
  rec.type = RecordType::kAdjustment;
  rec.orchestrator_id = *oid;
  rec.delta = delta;
  rec.reason = *reason;
  if (tx_hash) rec.tx_hash = *tx_hash;
  return Submit(std::move(rec), 201, &Api::RenderAdjustment);
}

std::string Api::RenderAdjustment(const Record& r) const {
  std::string out;
  JsonObject o(&out);
  o.UInt("seq", ledger_->last_seq()).Str("orchestrator_id", r.orchestrator_id).Str("delta", FormatEth(r.delta));
  o.Str("balance", FormatEth(ledger_->state().Balance(r.orchestrator_id))).Str("reason", r.reason);
  if (!r.tx_hash.empty()) o.Str("tx_hash", r.tx_hash);
  o.Close();
  return out;
}

}  // namespace pb::server
