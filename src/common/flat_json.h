// Reading the one JSON shape our encoders write on hot paths (journal
// record bodies), without a JSON parser: a compact object of plain strings
// and unsigned integers. Anything else is left to simdjson.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pb {

// One member of a flat object, as ScanFlatObject fills it (no initializers:
// arrays of them are made per record).
struct FlatMember {
  std::string_view key;
  bool is_string;          // else an unsigned integer
  std::string_view text;   // is_string: the string's characters
  uint64_t number;         // !is_string
};

// Splits `json` into its members, in order, when it is exactly
// `{"key":value,...}` (or `{}`) with no whitespace, every key and string
// value made of printable ASCII other than `"` and `\` (so nothing to
// unescape or validate as UTF-8), every number an unsigned decimal of at
// most 19 digits without a leading zero, and nothing after the closing
// brace. Such text is valid JSON, and these members are what a JSON parser
// reads from it. Returns the number of members (<= max) written to `out`,
// or -1 for any other text or more than `max` members; the caller then
// parses it with a full JSON parser, which decides whether it is valid.
int ScanFlatObject(std::string_view json, FlatMember* out, int max);

}  // namespace pb
