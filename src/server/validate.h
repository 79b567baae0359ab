#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::server {

// Input rules for the API. Each returns InvalidArgument naming the field.

// Orchestrator and workload ids: 1..128 characters of [A-Za-z0-9._:-].
Status CheckId(std::string_view field, std::string_view value);
// "0x" followed by 40 hex digits.
Status CheckAddress(std::string_view value);
// "0x" followed by 64 hex digits.
Status CheckTxHash(std::string_view value);
// 1..256 printable characters (no control characters).
Status CheckReason(std::string_view value);

// Decodes %XX escapes of one path segment; InvalidArgument when malformed.
Result<std::string> PercentDecode(std::string_view segment);

// Value of `key` in a query string "a=1&b=2" (empty when absent).
std::string QueryParam(std::string_view query, std::string_view key);

}  // namespace pb::server
