// The progress line of paymentsctl on a terminal (cli::ProgressLine, issue
// 17): a log line written while it is shown starts on a line of its own,
// never glued onto the progress, and the progress comes back after it.
#include <fcntl.h>
#include <pty.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include "cli/output.h"
#include "common/log.h"
#include "support/terminal_screen.h"

namespace pb::cli {
namespace {

// Puts stderr (fd 2) on a new pseudo-terminal while it lives; Output() is
// what has been written to it so far.
class StderrOnTerminal {
 public:
  StderrOnTerminal() {
    if (::openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) {
      ADD_FAILURE() << "openpty: " << std::strerror(errno);
      return;
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(slave_, STDERR_FILENO);
  }
  ~StderrOnTerminal() {
    std::fflush(stderr);
    if (saved_ >= 0) ::dup2(saved_, STDERR_FILENO);
    for (int fd : {saved_, slave_, master_}) {
      if (fd >= 0) ::close(fd);
    }
  }
  StderrOnTerminal(const StderrOnTerminal&) = delete;
  StderrOnTerminal& operator=(const StderrOnTerminal&) = delete;

  std::string Output() {
    std::fflush(stderr);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(master_, buf, sizeof(buf))) > 0) output_.append(buf, static_cast<size_t>(n));
    return output_;
  }

 private:
  int master_ = -1;
  int slave_ = -1;
  int saved_ = -1;
  std::string output_;
};

std::string Show(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "|" + l + "|\n";
  return out;
}

TEST(ProgressLineTest, AWarningWhileTheProgressIsShownGetsALineOfItsOwnAndTheProgressComesBackAfterIt) {
  InitLogging();
  StderrOnTerminal terminal;
  const bool enabled = true;  // as when the run is not -q
  ProgressLine progress(enabled);
  progress.Update(uint64_t{1} << 20, uint64_t{4} << 20);
  spdlog::warn("could not refresh the repository lock: test");
  progress.Update(uint64_t{2} << 20, uint64_t{4} << 20);

  std::vector<std::string> screen = testing::ScreenLines(terminal.Output());
  ASSERT_EQ(screen.size(), 2u) << Show(screen);
  EXPECT_TRUE(std::regex_match(screen[0], std::regex(R"(\d{4}-\d\d-\d\dT[0-9:.]+Z warning could not refresh )"
                                                     R"(the repository lock: test)")))
      << Show(screen);
  EXPECT_EQ(screen[1].rfind("2.0 MiB / 4.0 MiB", 0), 0u) << Show(screen);

  progress.Finish();
  screen = testing::ScreenLines(terminal.Output());
  EXPECT_EQ(screen.back(), "") << Show(screen);
}

}  // namespace
}  // namespace pb::cli
