// cli/: how paymentsctl gets the repository password — never from argv.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/status.h"

namespace pb::cli {

// The largest password file read (its first line is the password).
inline constexpr size_t kMaxPasswordFileBytes = 4096;

// Who besides its owner has access to a password file of `mode` owned by
// `owner`, for a process of effective uid `euid`: "other users", "members
// of its group", or "" when nobody else (as ssh wants of private keys). One
// exception, as PostgreSQL makes for its key files: a file owned by root
// that root lets its group read (mode 0640 or 0440) is accepted by a process
// that is not root: it is how a secret is mounted for a service's group,
// and the service cannot chmod it.
std::string WhoElseHasAccess(mode_t mode, uid_t owner, uid_t euid);

// The password from `password_file` when given (its first line), else from
// PAYMENTS_REPO_PASSWORD, else asked on the terminal without echo (twice
// when `confirm`, for init). InvalidArgument when none of these is
// available or the password is empty, saying how to give one. The file is
// refused (InvalidArgument saying what to do), before anything is read from
// it, when it is not a regular file (a FIFO, a device, a directory), when
// WhoElseHasAccess names someone (the hint is `chmod 600 FILE`), or when it is
// larger than kMaxPasswordFileBytes.
Result<std::string> ReadPassword(const std::string& password_file, bool confirm);

// The new password of `paymentsctl key add|passwd`, the same way (and the
// same checks of the file): from `new_password_file` when given, else
// PAYMENTS_REPO_NEW_PASSWORD, else asked twice on the terminal.
Result<std::string> ReadNewPassword(const std::string& new_password_file);

}  // namespace pb::cli
