// node-exporter textfiles (metrics/textfile.h): the file is replaced whole
// or not at all, and a path the collector would never read is refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_ops.h"
#include "common/file_util.h"
#include "metrics/registry.h"
#include "metrics/textfile.h"
#include "support/fault_file_ops.h"
#include "support/temp_dir.h"

namespace pb::metrics {
namespace {

using pb::testing::FaultFileOps;
using pb::testing::FaultKind;
using pb::testing::TempDir;

std::string Read(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? *text : "<unreadable: " + text.status().ToString() + ">";
}

Registry& WithSuccess(Registry* registry, double value) {
  registry->AddGauge("payments_backup_success", "1 when the last backup succeeded", {"repo"})
      .Labels({"/backups/payments"})
      .Set(value);
  return *registry;
}

TEST(MetricsTextfile, WriteReplacesTheFileWithTheRenderAndLeavesNoTemporary) {
  TempDir dir;
  const std::string path = dir.Sub("payments-backup.prom");
  Registry first, second;
  ASSERT_TRUE(WriteTextfile(path, WithSuccess(&first, 1)).ok());
  EXPECT_EQ(Read(path), first.Render());
  ASSERT_TRUE(WriteTextfile(path, WithSuccess(&second, 0)).ok());
  EXPECT_EQ(Read(path), second.Render());
  EXPECT_NE(Read(path).find("payments_backup_success{repo=\"/backups/payments\"} 0\n"), std::string::npos);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1) << "a temporary file was left";
}

TEST(MetricsTextfile, AFailedWriteLeavesThePreviousFileWhole) {
  TempDir dir;
  const std::string path = dir.Sub("payments-backup.prom");
  Registry before;
  ASSERT_TRUE(WriteTextfile(path, WithSuccess(&before, 1)).ok());
  for (FaultKind kind : {FaultKind::kRenameFails, FaultKind::kEnospc, FaultKind::kFsyncEio}) {
    Registry after;
    FaultFileOps ops({kind, 1, "payments-backup.prom"});
    SetFileOpsForTesting(&ops);
    Status st = WriteTextfile(path, WithSuccess(&after, 0));
    SetFileOpsForTesting(nullptr);
    EXPECT_EQ(ops.injected(), 1u) << pb::testing::FaultKindName(kind);
    EXPECT_FALSE(st.ok()) << pb::testing::FaultKindName(kind);
    EXPECT_EQ(Read(path), before.Render()) << pb::testing::FaultKindName(kind);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1)
        << "a temporary file was left after " << pb::testing::FaultKindName(kind);
  }
}

TEST(MetricsTextfile, APathTheCollectorWouldNotReadIsRefused) {
  TempDir dir;
  EXPECT_TRUE(CheckTextfilePath(dir.Sub("payments-backup.prom")).ok());
  Status wrong_suffix = CheckTextfilePath(dir.Sub("payments-backup.txt"));
  EXPECT_EQ(wrong_suffix.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(wrong_suffix.message().find(".prom"), std::string::npos) << wrong_suffix.message();
  EXPECT_FALSE(CheckTextfilePath(dir.Sub(".prom")).ok()) << "a name that is only the suffix";
  Status no_dir = CheckTextfilePath(dir.Sub("missing/payments-backup.prom"));
  EXPECT_EQ(no_dir.kind(), Status::Kind::kInvalidArgument);
  EXPECT_NE(no_dir.message().find("does not exist"), std::string::npos) << no_dir.message();
  EXPECT_FALSE(CheckTextfilePath(dir.path()).ok()) << "a directory";
}

}  // namespace
}  // namespace pb::metrics
