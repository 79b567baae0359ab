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

}  // namespace

Result<std::string> ReadPassword(const std::string& password_file, bool confirm) {
  std::string password;
  if (!password_file.empty()) {
    auto text = ReadFile(password_file);
    if (!text.ok()) return Status::InvalidArgument("cannot read --password-file: " + text.status().message());
    password = FirstLine(*text);
  } else if (const char* env = std::getenv("PAYMENTS_REPO_PASSWORD"); env != nullptr) {
    password = env;
  } else {
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return Status::InvalidArgument("no repository password: " + std::string(kHowTo));
    auto first = Prompt(tty, "repository password: ");
    if (first.ok() && confirm) {
      auto again = Prompt(tty, "repeat the password: ");
      if (again.ok() && *again != *first) {
        ::close(tty);
        return Status::InvalidArgument("the two passwords differ; nothing was created");
      }
    }
    ::close(tty);
    if (!first.ok()) return first.status();
    password = *first;
  }
  if (password.empty()) return Status::InvalidArgument("the repository password is empty: " + std::string(kHowTo));
  return password;
}

}  // namespace pb::cli
