#include "cli/password.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "common/file_util.h"

namespace pb::cli {
namespace {

constexpr const char* kHowTo =
    "set PAYMENTS_REPO_PASSWORD, give --password-file FILE, or run paymentsctl on a terminal";

Result<std::string> Prompt(int tty, const std::string& question) {
  (void)!::write(tty, question.data(), question.size());
  struct termios old {};
  bool restore = ::tcgetattr(tty, &old) == 0;
  if (restore) {
    struct termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (restore) ::tcsetattr(tty, TCSAFLUSH, &old);
  (void)!::write(tty, "\n", 1);
  return line;
}

std::string FirstLine(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

// The password from `file` (its first line), else from the variable `env`,
// else asked on the terminal as `what` (twice when `confirm`).
Result<std::string> ReadSecret(const std::string& file, const char* env_name, const std::string& what,
                               const std::string& how_to, bool confirm) {
  std::string password;
  if (!file.empty()) {
    auto text = ReadFile(file);
    if (!text.ok()) return Status::InvalidArgument("cannot read the " + what + " file: " + text.status().message());
    password = FirstLine(*text);
  } else if (const char* env = std::getenv(env_name); env != nullptr) {
    password = env;
  } else {
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return Status::InvalidArgument("no " + what + ": " + how_to);
    auto first = Prompt(tty, what + ": ");
    if (first.ok() && confirm) {
      auto again = Prompt(tty, "repeat the " + what + ": ");
      if (again.ok() && *again != *first) {
        ::close(tty);
        return Status::InvalidArgument("the two passwords differ; nothing was changed");
      }
    }
    ::close(tty);
    if (!first.ok()) return first.status();
    password = *first;
  }
  if (password.empty()) return Status::InvalidArgument("the " + what + " is empty: " + how_to);
  return password;
}

}  // namespace

Result<std::string> ReadPassword(const std::string& password_file, bool confirm) {
  return ReadSecret(password_file, "PAYMENTS_REPO_PASSWORD", "repository password", kHowTo, confirm);
}

Result<std::string> ReadNewPassword(const std::string& new_password_file) {
  return ReadSecret(new_password_file, "PAYMENTS_REPO_NEW_PASSWORD", "new repository password",
                    "set PAYMENTS_REPO_NEW_PASSWORD, give --new-password-file FILE, or run paymentsctl on a terminal",
                    /*confirm=*/true);
}

}  // namespace pb::cli
