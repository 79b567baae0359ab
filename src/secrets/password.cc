#include "secrets/password.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/file_util.h"

namespace pb::secrets {
namespace {

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

const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The bytes of the password file `path`, checked before anything is read:
// a regular file (a FIFO or a device could block or never end), that only
// its owner can access (WhoElseHasAccess), of at most kMaxPasswordFileBytes.
// InvalidArgument saying what to do otherwise; `env_name` is the variable
// that can give the password instead.
Result<std::string> ReadPasswordFile(const std::string& path, const std::string& what, const char* env_name) {
  const std::string file = "the " + what + " file " + path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);  // a FIFO must not block the open
  if (fd < 0) return Status::InvalidArgument("cannot open " + file + ": " + std::strerror(errno));
  ScopedFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::InvalidArgument("cannot stat " + file + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(file + " is " + FileKind(st.st_mode) + ", not a regular file: put the " + what +
                                   " on the first line of a regular file of mode 0600, or set " + env_name);
  }
  if (std::string who = WhoElseHasAccess(st.st_mode, st.st_uid, ::geteuid()); !who.empty()) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(file + " has mode " + mode + ": " + who + " have access to it. Run `chmod 600 " +
                                   path + "` so that only its owner can read it, then try again");
  }
  const std::string too_large = file + " is larger than " + std::to_string(kMaxPasswordFileBytes) +
                                " bytes: it is not a password file (the " + what + " is its first line)";
  if (st.st_size > static_cast<off_t>(kMaxPasswordFileBytes)) return Status::InvalidArgument(too_large);
  std::string text(kMaxPasswordFileBytes + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::InvalidArgument("cannot read " + file + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxPasswordFileBytes) return Status::InvalidArgument(too_large);  // it grew while we read
  text.resize(got);
  return text;
}

std::string FirstLine(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

// How often the terminal prompt asks: twice for a password being set.
enum class Prompts { kOnce, kTwice };

// The password from `file` (its first line), else from the variable `env`,
// else asked on the terminal as `what`.
Result<std::string> ReadSecret(const std::string& file, const char* env_name, const std::string& what,
                               const std::string& how_to, Prompts prompts) {
  std::string password;
  if (!file.empty()) {
    auto text = ReadPasswordFile(file, what, env_name);
    if (!text.ok()) return text.status();
    password = FirstLine(std::move(text).value());
  } else if (const char* env = std::getenv(env_name); env != nullptr) {
    password = env;
  } else {
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return Status::InvalidArgument("no " + what + ": " + how_to);
    auto first = Prompt(tty, what + ": ");
    if (first.ok() && prompts == Prompts::kTwice) {
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

std::string WhoElseHasAccess(mode_t mode, uid_t owner, uid_t euid) {
  if ((mode & S_IRWXO) != 0) return "other users";
  if ((mode & S_IRWXG) == 0) return "";
  if (owner == 0 && euid != 0 && (mode & S_IRWXG) == S_IRGRP) return "";  // a secret root gave to our group
  return "members of its group";
}

Result<std::string> ReadPassword(const PasswordSource& source) {
  const std::string how_to = "set PAYMENTS_REPO_PASSWORD, give " + source.file_flag + " FILE, or run " +
                             source.program + " on a terminal";
  return ReadSecret(source.file, "PAYMENTS_REPO_PASSWORD", "repository password", how_to,
                    source.confirm ? Prompts::kTwice : Prompts::kOnce);
}

Result<std::string> ReadNewPassword(const std::string& new_password_file) {
  return ReadSecret(new_password_file, "PAYMENTS_REPO_NEW_PASSWORD", "new repository password",
                    "set PAYMENTS_REPO_NEW_PASSWORD, give --new-password-file FILE, or run paymentsctl on a terminal",
                    Prompts::kTwice);
}

}  // namespace pb::secrets
