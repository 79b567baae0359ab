// common/: the read side of the file-system seam and the helpers around it
// (ctest -R common.): ReadAt/ReadExact complete short reads and retry EINTR
// wherever the fault decorator puts them, say where a file ended too soon,
// keep errno; TruncateFile and RemoveFile go through the seam (a recording
// decorator sees ftruncate then fsync); AtomicFileWriter keeps appends in
// order whether it buffers them or not; PB_ASSIGN_OR_RETURN returns the
// error or moves the value.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "support/fault_file_ops.h"
#include "support/file_ops_decorators.h"
#include "support/recording_file_ops.h"
#include "test_util.h"

namespace pb {
namespace {

using testing::FaultFileOps;
using testing::FaultKind;
using testing::FaultKindName;
using testing::ReadAll;
using testing::RecordingFileOps;
using testing::ScopedFileOps;
using testing::TempDir;
using testing::WriteAll;

std::string Pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + (i * 7) % 26);
  return out;
}

TEST(ReadSeam, ReadAtCompletesShortReadsAndRetriesEintrAtEveryCall) {
  TempDir tmp;
  const std::string path = tmp.Sub("data");
  const std::string content = Pattern(100000);
  WriteAll(path, content);
  for (FaultKind kind : {FaultKind::kShortRead, FaultKind::kReadEintr}) {
    for (uint64_t at = 1; at <= 3; ++at) {  // three reads without faults
      FaultFileOps ops({kind, at, "data"});
      ScopedFileOps installed(&ops);
      auto fd = OpenForReading(path);
      ASSERT_TRUE(fd.ok()) << fd.status().ToString();
      // Several reads, so that the fault can fall on any of them.
      std::string got(content.size(), '\0');
      for (size_t offset = 0; offset < content.size(); offset += 40000) {
        const size_t length = std::min<size_t>(40000, content.size() - offset);
        Status st = ReadExact(fd->get(), offset, got.data() + offset, length, path);
        ASSERT_TRUE(st.ok()) << FaultKindName(kind) << " at " << at << ": " << st.ToString();
      }
      EXPECT_EQ(ops.injected(), 1u) << FaultKindName(kind) << " at " << at;
      EXPECT_TRUE(got == content) << FaultKindName(kind) << " at " << at;
    }
  }
}

TEST(ReadSeam, ReadAtStopsAtTheEndOfTheFileAndReadExactSaysWhereItEnded) {
  TempDir tmp;
  const std::string path = tmp.Sub("short");
  WriteAll(path, "0123456789");
  FaultFileOps ops({FaultKind::kShortRead, 1, "short"});  // a short read first, then the end
  ScopedFileOps installed(&ops);
  auto fd = OpenForReading(path);
  ASSERT_TRUE(fd.ok());
  char buf[32];
  auto n = ReadAt(fd->get(), 4, buf, sizeof buf, path);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 6u);
  EXPECT_EQ(std::string(buf, 6), "456789");
  Status st = ReadExact(fd->get(), 4, buf, 8, path);
  EXPECT_EQ(st.kind(), Status::Kind::kIOError);
  EXPECT_NE(st.message().find(path + " ends at byte 10, before the 8 bytes at offset 4"), std::string::npos)
      << st.message();
  EXPECT_TRUE(ReadExact(fd->get(), 4, buf, 6, path).ok());
}

TEST(ReadSeam, AReadErrorIsAnIOErrorNamingTheFileAndKeepsErrno) {
  char buf[8];
  errno = 0;
  auto n = ReadAt(-1, 0, buf, sizeof buf, "/nowhere/file");
  EXPECT_EQ(errno, EBADF);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().kind(), Status::Kind::kIOError);
  EXPECT_NE(n.status().message().find("read /nowhere/file"), std::string::npos) << n.status().message();
}

TEST(ReadSeam, OpeningAMissingFileIsNotFound) {
  TempDir tmp;
  auto fd = OpenForReading(tmp.Sub("absent"));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().kind(), Status::Kind::kNotFound);
  auto range = ReadFileRange(tmp.Sub("absent"), 0, 10);
  EXPECT_EQ(range.status().kind(), Status::Kind::kNotFound);
}

TEST(ReadSeam, SequentialReadsOfAWholeFileSurviveShortReadsAndEintr) {
  TempDir tmp;
  const std::string path = tmp.Sub("whole");
  const std::string content = Pattern(3 << 20);  // several 1 MiB pieces
  WriteAll(path, content);
  for (FaultKind kind : {FaultKind::kShortRead, FaultKind::kReadEintr}) {
    for (uint64_t at = 1; at <= 3; ++at) {
      FaultFileOps ops({kind, at, "whole"});
      ScopedFileOps installed(&ops);
      auto got = ReadFile(path);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(ops.injected(), 1u) << FaultKindName(kind) << " at " << at;
      EXPECT_TRUE(*got == content) << FaultKindName(kind) << " at " << at;
    }
  }
}

TEST(WriteSeam, TruncateFileCutsThroughTheSeamAndFsyncsTheCut) {
  TempDir tmp;
  const std::string path = tmp.Sub("log");
  WriteAll(path, "kept\ncut");
  RecordingFileOps ops;
  {
    ScopedFileOps installed(&ops);
    ASSERT_TRUE(TruncateFile(path, 5).ok());
  }
  EXPECT_EQ(ops.CallsOn(path), (std::vector<std::string>{"open-write " + path, "ftruncate " + path + " 5",
                                                         "fsync " + path}));
  EXPECT_EQ(ReadAll(path), "kept\n");
}

TEST(AtomicFileWriter, SmallAndLargeAppendsLandInOrderWhetherBufferedOrWrittenFromTheCaller) {
  TempDir tmp;
  const std::string path = tmp.Sub("pack");
  // Small appends are buffered; one of a MiB or more is written from the
  // caller's bytes after what is buffered; then small ones again.
  const std::vector<size_t> sizes = {10, 3000, size_t{1} << 20, 7, (size_t{1} << 20) - 1, 2, size_t{3} << 20, 5};
  std::string expected;
  AtomicFileWriter writer;
  ASSERT_TRUE(writer.Open(path).ok());
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string part = Pattern(sizes[i]);
    part[0] = static_cast<char>('0' + i);
    expected += part;
    ASSERT_TRUE(writer.Append(part).ok());
  }
  ASSERT_TRUE(writer.Commit().ok());
  EXPECT_TRUE(ReadAll(path) == expected) << "the file differs from the appends in order";
}

TEST(WriteSeam, RemoveFileUnlinksThroughTheSeamAndAMissingFileIsNoError) {
  TempDir tmp;
  const std::string path = tmp.Sub("leftover.ckpt");
  WriteAll(path, "x");
  RecordingFileOps ops;
  ScopedFileOps installed(&ops);
  ASSERT_TRUE(RemoveFile(path).ok());
  EXPECT_FALSE(testing::Exists(path));
  EXPECT_TRUE(RemoveFile(path).ok()) << "already gone";
  EXPECT_EQ(ops.calls(), (std::vector<std::string>{"unlink " + path, "unlink " + path}));
  std::filesystem::create_directory(tmp.Sub("dir"));
  Status refused = RemoveFile(tmp.Sub("dir"));  // not a file: unlink refuses
  EXPECT_EQ(refused.kind(), Status::Kind::kIOError);
  EXPECT_NE(refused.message().find("remove " + tmp.Sub("dir")), std::string::npos) << refused.message();
}

// ------------------------------------------------- PB_ASSIGN_OR_RETURN

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

Result<int> Quarter(int n, int* evaluations) {
  PB_ASSIGN_OR_RETURN(int half, (++*evaluations, Half(n)));
  PB_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status StoreHalf(int n, std::string* out) {
  PB_ASSIGN_OR_RETURN(*out, Half(n).ok() ? Result<std::string>(std::to_string(n / 2)) : Half(n).status());
  return Status::Ok();
}

TEST(AssignOrReturn, MovesTheValueOrReturnsTheErrorEvaluatingTheExpressionOnce) {
  int evaluations = 0;
  auto q = Quarter(12, &evaluations);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
  EXPECT_EQ(evaluations, 1);
  auto odd = Quarter(6, &evaluations);
  EXPECT_EQ(odd.status().kind(), Status::Kind::kInvalidArgument);
  EXPECT_EQ(odd.status().message(), "3 is odd");
  auto first = Quarter(7, &evaluations);
  EXPECT_EQ(first.status().message(), "7 is odd");
  EXPECT_EQ(evaluations, 3);
  std::string out;
  EXPECT_TRUE(StoreHalf(8, &out).ok());
  EXPECT_EQ(out, "4");
  EXPECT_EQ(StoreHalf(9, &out).message(), "9 is odd");
  EXPECT_EQ(out, "4") << "unchanged on error";
}

}  // namespace
}  // namespace pb
