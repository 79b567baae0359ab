#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pb::remote {

// Editing a compose .env file as text, line by line: nothing is evaluated,
// and every line except the edited one stays byte for byte.

// The value of `key` (the last assignment wins, as in compose), without
// surrounding quotes; nullopt when it is not set.
std::optional<std::string> GetEnvValue(std::string_view content, std::string_view key);

// `content` with `key=value`: the first assignment of `key` replaced, later
// ones removed, or a new line appended. "export KEY=" lines count as well.
std::string SetEnvValue(std::string_view content, std::string_view key, std::string_view value);

// InvalidArgument unless `image` is a container image reference of letters,
// digits and _ . / : @ - (nothing a shell or compose would expand).
Status ValidateImage(std::string_view image);

}  // namespace pb::remote
