#pragma once

#include <cstdint>
#include <string>
#include <initializer_list>
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

// The adjustment's free-text `reason`: 1..kMaxReasonChars characters, counted
// as Unicode code points (not bytes), of well-formed UTF-8 (RFC 3629), none of
// them a control character: C0 (U+0000–U+001F), DEL (U+007F), C1
// (U+0080–U+009F, NEL U+0085 included), LINE SEPARATOR U+2028 or PARAGRAPH
// SEPARATOR U+2029. The message names the first offending character and its
// position.
inline constexpr size_t kMaxReasonChars = 256;
Status CheckReason(std::string_view value);

// Decodes %XX escapes of one path segment; InvalidArgument when malformed.
Result<std::string> PercentDecode(std::string_view segment);

// The query parameter `key` of `query` ("a=1&b=2", compared as raw bytes) as
// a decimal integer from `min` to `max`, or `fallback` when it is absent.
// InvalidArgument naming the parameter and the range when its value is empty,
// holds anything but the digits 0-9, is out of range, or when the parameter
// is given more than once (a proxy could read another one than we do).
Result<uint64_t> QueryUInt(std::string_view query, std::string_view key, uint64_t fallback, uint64_t min,
                           uint64_t max);

// InvalidArgument naming the first parameter of `query` whose name is not
// in `known` (a typo such as "limt" would otherwise give the default page).
Status CheckQueryKeys(std::string_view query, std::initializer_list<std::string_view> known);

}  // namespace pb::server
