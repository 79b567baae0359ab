// torture: the kill -9 torture of payments-backend and paymentsctl
// (torture_run.h). `make torture ITER=N SECONDS=S SEED=X` and a ctest entry run it.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "torture_run.h"

namespace {

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--iterations N] [--seconds S] [--seed X] [--min-kills M] [--check-every K]\n"
               "  N backend kills at most, no new cycle after S seconds; fewer than M kills fails;\n"
               "  check --read-data after every Kth cycle that changed the repository.\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one line per kill, visible as it happens
  pb::torture::TortureOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || i + 1 >= argc) return Usage(argv[0]);
    char* end = nullptr;
    const char* value = argv[++i];
    const unsigned long long number = std::strtoull(value, &end, 10);
    if (*value == '\0' || *end != '\0') return Usage(argv[0]);
    if (flag == "--seed") {
      options.seed = number;
    } else if (number > 10'000'000) {
      return Usage(argv[0]);
    } else if (flag == "--iterations") {
      options.iterations = static_cast<int>(number);
    } else if (flag == "--seconds") {
      options.seconds = static_cast<int>(number);
    } else if (flag == "--min-kills") {
      options.min_kills = static_cast<int>(number);
    } else if (flag == "--check-every" && number > 0) {
      options.check_every = static_cast<int>(number);
    } else {
      return Usage(argv[0]);
    }
  }
  return pb::torture::RunTorture(options) ? 0 : 1;
}
