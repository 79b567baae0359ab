// Fixed-point money. One Wei is 10^-18 ETH; amounts are signed 128-bit
// integers end to end and are never converted to floating point.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pb {

using Wei = __int128;

inline constexpr int kEthDecimals = 18;
// 10^18: one ETH in wei.
inline constexpr Wei kWeiPerEth = static_cast<Wei>(1000000000000000000LL);
// Largest magnitude accepted for one amount or one balance: 10^12 ETH
// (ETH supply is ~1.2 * 10^8). Sums of any realistic count of such values stay
// far below the int128 limit (1.7 * 10^38).
inline constexpr Wei kMaxAmountWei = kWeiPerEth * static_cast<Wei>(1000000000000LL);

enum class Sign { kUnsigned, kSigned };

// Parses a decimal ETH string exactly: digits, optional '.', at most 18
// fractional digits, e.g. "0.000123". With Sign::kSigned a leading '+' or '-'
// is accepted. Rejects empty text, exponents, spaces, more than 18 places and
// magnitudes above kMaxAmountWei with InvalidArgument naming the problem.
Result<Wei> ParseEth(std::string_view text, Sign sign = Sign::kUnsigned);

// Like ParseEth but also accepts the forms Python's str(Decimal) produces,
// such as "1E-7" or "1.5e+3", for adopting Python-era files. Still exact.
Result<Wei> ParseLegacyEth(std::string_view text);

// Formats wei as the shortest exact decimal ETH string: "0.000123", "12",
// "-0.5", "0".
std::string FormatEth(Wei wei);

// Integer wei as decimal text ("123000"), used in the journal.
std::string FormatWei(Wei wei);
// Parses an optionally signed integer wei string; rejects anything else and
// magnitudes above kMaxAmountWei.
Result<Wei> ParseWei(std::string_view text);

}  // namespace pb
