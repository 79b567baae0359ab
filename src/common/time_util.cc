#include "common/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace pb {

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t MonotonicMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// H. Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

// Reads `n` digits at s[pos]; returns -1 when they are not all digits.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Writes `value` (>= 0) as exactly `width` digits ending before `end`.
void PutDigits(char* end, int64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

// H. Hinnant's civil_from_days, the inverse of DaysFromCivil.
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

std::string FormatIso8601(int64_t millis) {
  // By hand, not gmtime_r and snprintf: every credit formats a few of these
  // on the service's event loop, and gmtime_r takes a lock.
  int64_t days = millis / 86400000, in_day = millis % 86400000;
  if (in_day < 0) {
    in_day += 86400000;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const int64_t y = date.year;
  std::string out = "0000-00-00T00:00:00.000Z";
  char* p = out.data();
  if (y >= 0 && y <= 9999) {
    PutDigits(p + 4, y, 4);
  } else {  // a year four digits do not hold, as printf's %04 writes it
    char year[32];
    std::snprintf(year, sizeof year, "%04lld", static_cast<long long>(y));
    out.replace(0, 4, year);
    p = out.data() + out.size() - 24;
  }
  PutDigits(p + 7, date.month, 2);
  PutDigits(p + 10, date.day, 2);
  PutDigits(p + 13, in_day / 3600000, 2);
  PutDigits(p + 16, in_day / 60000 % 60, 2);
  PutDigits(p + 19, in_day / 1000 % 60, 2);
  PutDigits(p + 23, in_day % 1000, 3);
  return out;
}

Result<int64_t> ParseIso8601(std::string_view s) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("time '" + std::string(s.substr(0, 64)) + "' " + why +
                                   " (expected ISO-8601 like 2026-11-24T13:36:05Z)");
  };
  int y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  int h = Digits(s, 11, 2), mi = Digits(s, 14, 2), sec = Digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
    return bad("is malformed");
  }
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kMonthDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 || mi > 59 ||
      sec > 60) {
    return bad("is out of range");
  }
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    int scale = 100;
    ++pos;
    if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') return bad("has a '.' without digits");
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  std::string_view zone = s.substr(pos);
  int offset_min = 0;
  if (zone == "Z" || zone.empty() || zone == "+00:00") {
    offset_min = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             Digits(zone, 1, 2) >= 0 && Digits(zone, 4, 2) >= 0) {
    offset_min = (zone[0] == '-' ? -1 : 1) * (Digits(zone, 1, 2) * 60 + Digits(zone, 4, 2));
  } else {
    return bad("has an unknown time zone suffix");
  }
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + sec - offset_min * 60;
  return secs * 1000 + ms;
}

Result<int64_t> ParseUtcTime(std::string_view text) {
  std::string full(text);
  if (full.size() == 10) full += "T00:00:00Z";
  // "YYYY-MM-DDTHH:MM:SS" is 19 characters, then "Z" or "." + 1..3 digits + "Z".
  const bool shape = full.size() >= 20 && full.size() <= 24 && full[10] == 'T' &&
                     full.back() == 'Z' && (full.size() == 20 || full[19] == '.');
  auto ms = shape ? ParseIso8601(full) : Result<int64_t>(Status::InvalidArgument(""));
  if (!ms.ok()) {
    return Status::InvalidArgument("time '" + std::string(text.substr(0, 64)) +
                                   "' is not a valid UTC time (expected 2026-11-24T13:36:05Z, "
                                   "2026-11-24T13:36:05.123Z or a date alone, 2026-11-24)");
  }
  return ms;
}

Result<int64_t> ParseDurationMillis(std::string_view text) {
  size_t digits = 0;
  int64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 12) {
    value = value * 10 + (text[digits] - '0');
    ++digits;
  }
  std::string_view unit = text.substr(digits);
  int64_t scale = unit == "ms" ? 1 : unit == "s" || unit.empty() ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  if (digits == 0 || value == 0 || scale == 0) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not a duration: give a positive number with a "
                                   "unit, e.g. 250ms, 1s, 30m, 1h");
  }
  return value * scale;
}

}  // namespace pb
