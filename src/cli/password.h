// cli/: how paymentsctl gets the repository password — never from argv.
#pragma once

#include <string>

#include "common/status.h"

namespace pb::cli {

// The password from `password_file` when given (its first line), else from
// PAYMENTS_REPO_PASSWORD, else asked on the terminal without echo (twice
// when `confirm`, for init). InvalidArgument when none of these is
// available or the password is empty, saying how to give one.
Result<std::string> ReadPassword(const std::string& password_file, bool confirm);

// The new password of `paymentsctl key add|passwd`, the same way: from
// `new_password_file` when given, else PAYMENTS_REPO_NEW_PASSWORD, else
// asked twice on the terminal.
Result<std::string> ReadNewPassword(const std::string& new_password_file);

}  // namespace pb::cli
