// Decoding UTF-8 one character at a time (RFC 3629), for the JSON writer and
// the API's free-text rules.
#pragma once

#include <cstddef>
#include <string_view>

namespace pb {

// Decodes the well-formed UTF-8 sequence at the start of `s`: no overlong
// form, no surrogate (U+D800–U+DFFF), nothing above U+10FFFF. Returns its
// length in bytes (1 to 4) and stores its code point in *code_point; returns
// 0 and stores nothing when `s` is empty or does not start with one.
size_t DecodeUtf8(std::string_view s, char32_t* code_point);

}  // namespace pb
