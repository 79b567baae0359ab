// Wall-clock time as milliseconds since the Unix epoch, and its ISO-8601 form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb {

int64_t NowMillis();
// Monotonic clock in microseconds, for latencies and uptime.
int64_t MonotonicMicros();
// "2026-11-24T13:36:05.123Z" (always UTC, millisecond precision).
std::string FormatIso8601(int64_t millis);

// A proleptic Gregorian date.
struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
// The date `days` days after 1970-01-01 (negative: before it), and back.
CivilDate CivilFromDays(int64_t days);
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+00:00]"; other offsets are applied.
Result<int64_t> ParseIso8601(std::string_view text);
// Strict UTC form for operator input (paymentsctl restore --at):
// "2026-11-24T13:36:05Z", "2026-11-24T13:36:05.123Z" (1 to 3 fraction digits)
// or a date alone, "2026-11-24", meaning 00:00:00Z. Anything else (other
// offsets, times without 'Z', a space for 'T') is InvalidArgument.
Result<int64_t> ParseUtcTime(std::string_view text);
// A duration for operator input, in milliseconds: a positive integer with a
// unit, "250ms", "1s", "30m", "1h" (a bare number is seconds).
// InvalidArgument otherwise.
Result<int64_t> ParseDurationMillis(std::string_view text);

}  // namespace pb
