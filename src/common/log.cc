#include "common/log.h"

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <memory>
#include <mutex>

namespace pb {
namespace {

// Carriage return, then erase to the end of the line.
constexpr char kClearLine[] = "\r\033[K";

struct StatusLine {
  std::mutex mu;
  bool shown = false;  // guarded by mu
};

StatusLine& TheStatusLine() {
  static StatusLine line;
  return line;
}

// Writes each log line whole to stderr, after clearing a status line shown.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t text;
    formatter_->format(msg, text);
    StatusLine& line = TheStatusLine();
    std::lock_guard<std::mutex> lock(line.mu);
    if (line.shown) std::fputs(kClearLine, stderr);
    line.shown = false;
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void InitLogging() {
  auto logger = std::make_shared<spdlog::logger>("payments", std::make_shared<StderrSink>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

void DrawStatusLine(std::string_view text) {
  StatusLine& line = TheStatusLine();
  std::lock_guard<std::mutex> lock(line.mu);
  std::fputs(kClearLine, stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
  line.shown = true;
}

void ClearStatusLine() {
  StatusLine& line = TheStatusLine();
  std::lock_guard<std::mutex> lock(line.mu);
  if (!line.shown) return;
  std::fputs(kClearLine, stderr);
  std::fflush(stderr);
  line.shown = false;
}

}  // namespace pb
