// cli/: how every paymentsctl command reports (README "Output and exit
// codes"). A run prints one document on stdout: text for an operator, or
// with --json one JSON object whose first member is "ok" — errors included,
// as {"ok":false,"error":{"kind","message"}} (and their line on stderr, as
// without --json). Notes, warnings and the
// progress line go to stderr; -q keeps only warnings and errors there, -v
// adds what the command is doing. Output also decides the exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_text.h"
#include "common/status.h"

namespace pb::cli {

// The exit codes of paymentsctl, documented in README "Output and exit
// codes". 128 + N: stopped by signal N (drill, after cleaning up).
inline constexpr int kExitOk = 0;      // done, and what it checked is sound
inline constexpr int kExitFailed = 1;  // the command failed, or found a problem (the output says which)
inline constexpr int kExitUsage = 2;   // the command line is wrong: nothing was done

enum class Verbosity { kQuiet, kNormal, kVerbose };

// --json, -q and -v, which every command takes.
struct OutputOptions {
  bool json = false;
  Verbosity verbosity = Verbosity::kNormal;
};
// Adds --json (with `json_help`, or the common help when empty), -q,--quiet
// and -v,--verbose to `cmd`.
void AddOutputOptions(CLI::App* cmd, OutputOptions* options, const std::string& json_help = "");

// A command's result. Its text and its JSON are rendered from the same
// value, by the one class that holds it.
class Report {
 public:
  virtual ~Report() = default;
  // False when the command ran but found a problem (damage, a failed
  // check, lost records): exit 1, and "ok":false.
  virtual bool ok() const { return true; }
  // The JSON members after "ok".
  virtual void Json(JsonObject& o) const = 0;
  // The text for an operator, on stdout.
  virtual void Text(std::ostream& out) const = 0;
};

// A report of a few text lines whose JSON members `json` writes (init, key
// add, ...).
class LinesReport : public Report {
 public:
  LinesReport(std::string text, std::function<void(JsonObject&)> json)
      : text_(std::move(text)), json_(std::move(json)) {}
  void Json(JsonObject& o) const override { json_(o); }
  void Text(std::ostream& out) const override { out << text_ << "\n"; }

 private:
  std::string text_;
  std::function<void(JsonObject&)> json_;
};

// "1.5 GiB", "312 KiB", "17 B".
std::string HumanBytes(uint64_t bytes);
// Seconds with millisecond precision ("1.234"): every duration in
// paymentsctl's JSON is a number of seconds in this form.
std::string FixedSeconds(double seconds);
// A JSON array with one element per item, each appended by `write`.
template <typename T, typename Fn>
std::string JsonArray(const std::vector<T>& items, Fn write) {
  std::string out = "[";
  for (const T& item : items) {
    if (out.size() > 1) out.push_back(',');
    write(&out, item);
  }
  out.push_back(']');
  return out;
}

// A single progress line on stderr, redrawn in place, only when stderr is a
// terminal and the run is not quiet: "<done> / <total>  <rate>/s  ETA <s>".
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  void Update(uint64_t done, uint64_t total);
  // Draws `text` instead, for a stage counted in something else than bytes.
  void Show(std::string_view text);
  // A callback for reports of `n` more bytes read when the total is not
  // known (check, repair): counts them and redraws. Valid while *this is.
  std::function<void(uint64_t)> ByteCounter();
  // Clears the line (Output does it before every line it writes).
  void Finish();

 private:
  bool enabled_;
  uint64_t counted_ = 0;  // ByteCounter's bytes
  std::chrono::steady_clock::time_point start_;
};

// One run of one command.
class Output {
 public:
  Output(std::string command, OutputOptions options, std::ostream& out = std::cout, std::ostream& err = std::cerr);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  const std::string& command() const { return command_; }
  bool json() const { return options_.json; }

  // The command's report. Text is printed at once; JSON is kept until
  // Finish, so that stdout holds one object even when an error follows.
  // REQUIRES: called at most once per run.
  void Print(const Report& report);
  // True unless a report that is not ok was printed.
  bool report_ok() const { return report_ok_; }

  // Lines on stderr (the progress line cleared first): a note unless -q,
  // a detail only with -v, a warning always ("paymentsctl CMD: WARNING: ").
  void Note(std::string_view text);
  void Detail(std::string_view text);
  void Warn(std::string_view text);
  ProgressLine& progress() { return progress_; }

  // The run was stopped by `signal`: the exit code becomes 128 + signal.
  void SetInterrupted(int signal) { interrupted_by_ = signal; }
  bool interrupted() const { return interrupted_by_ != 0; }

  // Ends the run and returns its exit code. `status` is the command's
  // outcome: an error is printed as "paymentsctl CMD: KIND: MESSAGE" on
  // stderr and, with --json, also as the "error" member of the document on
  // stdout (exit 1; `exit_code` for another code, such as kExitUsage).
  int Finish(const Status& status, int exit_code = kExitFailed);

 private:
  void Line(std::string_view text);
  std::string Prefix() const;  // "paymentsctl CMD: "

  std::string command_;
  OutputOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  ProgressLine progress_;
  std::optional<std::string> json_members_;  // the report's members, with --json
  bool report_ok_ = true;
  int interrupted_by_ = 0;
};

// The error member of a JSON document: {"kind":"not_found","message":...}.
// `kind` is "usage" for usage errors, else the status kind in snake case.
std::string JsonError(std::string_view kind, std::string_view message);
std::string JsonKind(const Status& status);

}  // namespace pb::cli
