#include "common/money.h"

#include <algorithm>
#include <cstdlib>

namespace pb {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Accumulates a run of digits into *acc, failing once it passes `limit`.
bool AccumulateDigits(std::string_view digits, Wei limit, Wei* acc) {
  const Wei most_before_a_digit = limit / 10;  // a 128-bit division: once, not per digit
  for (char c : digits) {
    if (*acc > most_before_a_digit) return false;
    *acc = *acc * 10 + (c - '0');
    if (*acc > limit) return false;
  }
  return true;
}

Status TooLarge(std::string_view text) {
  return Status::InvalidArgument("amount '" + std::string(text) + "' is too large (maximum 10^12 ETH)");
}

// Splits a leading sign off `text`; returns false when a sign is not allowed.
bool TakeSign(std::string_view* text, Sign sign, bool* negative) {
  *negative = false;
  if (text->empty() || ((*text)[0] != '-' && (*text)[0] != '+')) return true;
  if (sign == Sign::kUnsigned) return false;
  *negative = (*text)[0] == '-';
  text->remove_prefix(1);
  return true;
}

}  // namespace

Result<Wei> ParseEth(std::string_view text, Sign sign) {
  const std::string shown(text.substr(0, 64));
  std::string_view rest = text;
  bool negative = false;
  if (!TakeSign(&rest, sign, &negative)) {
    return Status::InvalidArgument("amount '" + shown + "' must not be negative");
  }
  size_t dot = rest.find('.');
  std::string_view whole = rest.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  bool digits_only = std::all_of(whole.begin(), whole.end(), IsDigit) &&
                     std::all_of(frac.begin(), frac.end(), IsDigit);
  if (whole.empty() || !digits_only || (dot != std::string_view::npos && frac.empty())) {
    return Status::InvalidArgument("amount '" + shown +
                                   "' is not a decimal ETH string such as \"0.000123\"");
  }
  if (frac.size() > kEthDecimals) {
    return Status::InvalidArgument("amount '" + shown + "' has more than 18 decimal places");
  }
  Wei units = 0;
  if (!AccumulateDigits(whole, kMaxAmountWei / kWeiPerEth, &units)) return TooLarge(shown);
  Wei fraction = 0;
  AccumulateDigits(frac, kWeiPerEth, &fraction);
  for (size_t i = frac.size(); i < kEthDecimals; ++i) fraction *= 10;
  Wei value = units * kWeiPerEth + fraction;
  if (value > kMaxAmountWei) return TooLarge(shown);
  return negative ? -value : value;
}

Result<Wei> ParseLegacyEth(std::string_view text) {
  size_t e = text.find_first_of("eE");
  if (e == std::string_view::npos) {
    // str(Decimal) keeps trailing zeros ("1.000000000000000000000"); past the
    // 18th place they carry no value, so they are dropped (the value stays exact).
    std::string_view plain = text;
    size_t dot = plain.find('.');
    while (dot != std::string_view::npos && plain.size() - dot - 1 > kEthDecimals && plain.back() == '0') {
      plain.remove_suffix(1);
    }
    return ParseEth(plain, Sign::kSigned);
  }
  std::string_view exp_text = text.substr(e + 1);
  std::string mantissa(text.substr(0, e));
  bool exp_negative = !exp_text.empty() && exp_text[0] == '-';
  if (!exp_text.empty() && (exp_text[0] == '-' || exp_text[0] == '+')) exp_text.remove_prefix(1);
  if (exp_text.empty() || exp_text.size() > 3 || !std::all_of(exp_text.begin(), exp_text.end(), IsDigit)) {
    return Status::InvalidArgument("amount '" + std::string(text) + "' has a malformed exponent");
  }
  int exponent = std::atoi(std::string(exp_text).c_str());
  bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (!mantissa.empty() && (mantissa[0] == '-' || mantissa[0] == '+')) mantissa.erase(0, 1);
  if (mantissa.find_first_of("0123456789") == std::string::npos) {  // "E5", ".e-7": no digits at all
    return Status::InvalidArgument("amount '" + std::string(text) + "' has no digits before its exponent");
  }
  size_t dot = mantissa.find('.');
  std::string digits = mantissa;
  int point = static_cast<int>(dot == std::string::npos ? mantissa.size() : dot);
  if (dot != std::string::npos) digits.erase(dot, 1);
  point += exp_negative ? -exponent : exponent;
  if (point <= 0) {
    digits.insert(0, static_cast<size_t>(-point) + 1, '0');
    point = 1;
  } else if (point > static_cast<int>(digits.size())) {
    digits.append(static_cast<size_t>(point) - digits.size(), '0');
  }
  std::string plain = (negative ? "-" : "") + digits.substr(0, point);
  if (static_cast<size_t>(point) < digits.size()) {
    std::string frac = digits.substr(point);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) plain += "." + frac;
  }
  return ParseEth(plain, Sign::kSigned);
}

std::string FormatWei(Wei wei) {
  if (wei == 0) return "0";
  bool negative = wei < 0;
  unsigned __int128 v = negative ? static_cast<unsigned __int128>(-(wei + 1)) + 1 : wei;
  std::string out;
  while (v > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  if (negative) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

std::string FormatEth(Wei wei) {
  bool negative = wei < 0;
  std::string digits = FormatWei(negative ? -wei : wei);
  if (digits.size() <= static_cast<size_t>(kEthDecimals)) {
    digits.insert(0, kEthDecimals + 1 - digits.size(), '0');
  }
  std::string whole = digits.substr(0, digits.size() - kEthDecimals);
  std::string frac = digits.substr(digits.size() - kEthDecimals);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = negative ? "-" : "";
  out += whole;
  if (!frac.empty()) out += "." + frac;
  return out;
}

Result<Wei> ParseWei(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  TakeSign(&rest, Sign::kSigned, &negative);
  // The common case (journal replay parses two per record): at most 18
  // digits fit in 64 bits and are below kMaxAmountWei, one pass.
  if (!rest.empty() && rest.size() <= 18) {
    uint64_t small = 0;
    bool digits = true;
    for (char c : rest) {
      digits &= IsDigit(c);
      small = small * 10 + static_cast<uint64_t>(static_cast<unsigned char>(c) - '0');
    }
    if (digits) return negative ? -static_cast<Wei>(small) : static_cast<Wei>(small);
  }
  if (rest.empty() || !std::all_of(rest.begin(), rest.end(), IsDigit)) {
    return Status::InvalidArgument("'" + std::string(text.substr(0, 64)) + "' is not an integer wei amount");
  }
  Wei value = 0;
  if (!AccumulateDigits(rest, kMaxAmountWei, &value)) return TooLarge(text.substr(0, 64));
  return negative ? -value : value;
}

}  // namespace pb
