#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace pb {

void InitLogging() {
  auto logger = spdlog::stderr_logger_mt("payments");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace pb
