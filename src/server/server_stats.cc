#include "server/server_stats.h"

#include <utility>

namespace pb::server {

std::string FormatServerStats(const ServerStats& stats) {
  static constexpr std::pair<const char*, uint64_t ServerStats::*> kFields[] = {
      {"open", &ServerStats::open_connections},
      {"accepted", &ServerStats::accepted_total},
      {"refused_over_cap", &ServerStats::refused_over_cap},
      {"accept_pauses", &ServerStats::accept_pauses},
      {"closed_idle", &ServerStats::closed_idle},
      {"closed_header_timeout", &ServerStats::closed_header_timeout},
      {"closed_body_timeout", &ServerStats::closed_body_timeout},
      {"closed_write_timeout", &ServerStats::closed_write_timeout},
      {"refused_reply_memory", &ServerStats::refused_reply_memory},
      {"rejected_400", &ServerStats::rejected_400},
      {"rejected_408", &ServerStats::rejected_408},
      {"rejected_413", &ServerStats::rejected_413},
      {"rejected_431", &ServerStats::rejected_431},
  };
  std::string out;
  for (const auto& [name, field] : kFields) {
    if (!out.empty()) out.push_back(' ');
    out += name;
    out.push_back('=');
    out += std::to_string(stats.*field);
  }
  return out;
}

}  // namespace pb::server
