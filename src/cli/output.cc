#include "cli/output.h"

#include <unistd.h>

#include <cstdio>

#include "common/log.h"

namespace pb::cli {

void AddOutputOptions(CLI::App* cmd, OutputOptions* options, const std::string& json_help) {
  cmd->add_flag("--json", options->json,
                json_help.empty() ? "print the result as one JSON object (errors too)" : json_help);
  auto* quiet = cmd->add_flag_callback(
      "-q,--quiet", [options] { options->verbosity = Verbosity::kQuiet; },
      "print only the result, warnings and errors (no progress, no notes)");
  auto* verbose = cmd->add_flag_callback(
      "-v,--verbose", [options] { options->verbosity = Verbosity::kVerbose; },
      "also say on stderr what the command is doing (repository, lock, snapshot chosen)");
  quiet->excludes(verbose);
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string FixedSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", seconds);
  return buf;
}

ProgressLine::ProgressLine(bool enabled)
    : enabled_(enabled && ::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

void ProgressLine::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string eta = rate > 0 && total > done ? std::to_string(static_cast<uint64_t>((total - done) / rate)) + " s" : "-";
  Show(HumanBytes(done) + " / " + HumanBytes(total) + "  " + HumanBytes(static_cast<uint64_t>(rate)) + "/s  ETA " +
       eta);
}

// A status line (common/log.h): a log line written meanwhile clears it first.
void ProgressLine::Show(std::string_view text) {
  if (enabled_) DrawStatusLine(text);
}

std::function<void(uint64_t)> ProgressLine::ByteCounter() {
  return [this](uint64_t n) {
    counted_ += n;
    Update(counted_, counted_);
  };
}

void ProgressLine::Finish() {
  if (enabled_) ClearStatusLine();
}

Output::Output(std::string command, OutputOptions options, std::ostream& out, std::ostream& err)
    : command_(std::move(command)),
      options_(options),
      out_(out),
      err_(err),
      progress_(options.verbosity != Verbosity::kQuiet) {}

void Output::Print(const Report& report) {
  progress_.Finish();
  report_ok_ = report.ok();
  if (!options_.json) {
    report.Text(out_);
    out_.flush();
    return;
  }
  std::string members;
  JsonObject o(&members);
  report.Json(o);
  o.Close();
  json_members_ = members.substr(1, members.size() - 2);  // without the braces
}

void Output::Line(std::string_view text) {
  progress_.Finish();
  err_ << text << "\n";
  err_.flush();
}

void Output::Note(std::string_view text) {
  if (options_.verbosity != Verbosity::kQuiet) Line(text);
}

void Output::Detail(std::string_view text) {
  if (options_.verbosity == Verbosity::kVerbose) Line(Prefix() + std::string(text));
}

void Output::Warn(std::string_view text) { Line(Prefix() + "WARNING: " + std::string(text)); }

std::string Output::Prefix() const { return command_.empty() ? "paymentsctl: " : "paymentsctl " + command_ + ": "; }

int Output::Finish(const Status& status, int exit_code) {
  progress_.Finish();
  if (options_.json) {
    std::string doc;
    JsonObject o(&doc);
    o.Bool("ok", status.ok() && report_ok_);
    if (json_members_ && !json_members_->empty()) doc += "," + *json_members_;
    if (!status.ok()) {
      o.Raw("error", JsonError(exit_code == kExitUsage ? "usage" : JsonKind(status), status.message()));
    }
    o.Close();
    out_ << doc << "\n";
    out_.flush();
  }
  // The error line on stderr in both modes: with --json, for the operator
  // and the logs, beside the document a program reads.
  if (!status.ok()) Line(Prefix() + (exit_code == kExitUsage ? "usage: " + status.message() : status.ToString()));
  if (!status.ok()) return exit_code;
  if (interrupted_by_ != 0) return 128 + interrupted_by_;
  return report_ok_ ? kExitOk : kExitFailed;
}

std::string JsonError(std::string_view kind, std::string_view message) {
  std::string out;
  JsonObject(&out).Str("kind", kind).Str("message", message).Close();
  return out;
}

std::string JsonKind(const Status& status) {
  switch (status.kind()) {
    case Status::Kind::kOk: return "ok";
    case Status::Kind::kInvalidArgument: return "invalid_argument";
    case Status::Kind::kNotFound: return "not_found";
    case Status::Kind::kConflict: return "conflict";
    case Status::Kind::kCorruption: return "corruption";
    case Status::Kind::kIOError: return "io_error";
    case Status::Kind::kUnavailable: return "unavailable";
  }
  return "unknown";
}

}  // namespace pb::cli
