// secrets/: how a secret reaches a process — the repository password of
// paymentsctl and of payments-backend (--replicate-to): from a file that only
// its owner can read, from the environment, or from a prompt on the
// terminal; never from argv. Both binaries link this library (pb_secrets);
// neither the CLI nor the repository format owns it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/status.h"

namespace pb::secrets {

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

// Where a program takes the repository password from, as it names it in
// its messages.
struct PasswordSource {
  std::string file;                            // the password file given, "" for none
  std::string file_flag = "--password-file";   // the program's flag that gives `file`
  std::string program = "paymentsctl";         // who asks on the terminal
  bool confirm = false;                        // a prompt asks twice (a new repository)
};

// The password from source.file when given (its first line), else from
// PAYMENTS_REPO_PASSWORD, else asked on the terminal without echo (twice
// when source.confirm). InvalidArgument when none of these is available or
// the password is empty, saying how to give one with source.file_flag. The
// file is refused (InvalidArgument saying what to do), before anything is
// read from it, when it is not a regular file (a FIFO, a device, a
// directory), when WhoElseHasAccess names someone (the hint is `chmod 600
// FILE`), or when it is larger than kMaxPasswordFileBytes.
Result<std::string> ReadPassword(const PasswordSource& source);

// The new password of `paymentsctl key add|passwd`, the same way (and the
// same checks of the file): from `new_password_file` when given, else
// PAYMENTS_REPO_NEW_PASSWORD, else asked twice on the terminal.
Result<std::string> ReadNewPassword(const std::string& new_password_file);

}  // namespace pb::secrets
