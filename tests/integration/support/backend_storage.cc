#include "support/backend_storage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "repo/local/local_backend.h"
#include "repo/s3/s3_backend.h"
#include "support/s3rver_fixture.h"
#include "support/test_support.h"

namespace pb::repo::contract {
namespace {

namespace fs = std::filesystem;

template <typename T>
Result<std::unique_ptr<Backend>> Upcast(Result<std::unique_ptr<T>> r) {
  if (!r.ok()) return r.status();
  return std::unique_ptr<Backend>(std::move(r).value());
}

class LocalStorage final : public Storage {
 public:
  Status Start() override {
    std::error_code ec;
    fs::create_directories(root_, ec);
    return ec ? Status::IOError(root_ + ": " + ec.message()) : Status::Ok();
  }
  Result<std::unique_ptr<Backend>> Create(const std::string& name) override {
    return Upcast(LocalBackend::Create(Where(name, "")));
  }
  Result<std::unique_ptr<Backend>> Open(const std::string& name) override {
    return Upcast(LocalBackend::Open(Where(name, "")));
  }
  std::string Where(const std::string& name, const std::string& path) const override {
    return root_ + "/" + name + (path.empty() ? "" : "/" + path);
  }
  std::optional<std::string> Stored(const std::string& name, const std::string& path) override {
    if (!fs::is_regular_file(Where(name, path))) return std::nullopt;
    return integration::ReadFileOrEmpty(Where(name, path));
  }
  void PutForeign(const std::string& name, const std::string& rel, const std::string& bytes) override {
    Put(Where(name, rel), bytes);
  }
  void RemoveForeign(const std::string& name, const std::string& rel) override { fs::remove(Where(name, rel)); }
  void PutVictim(const std::string& rel, const std::string& bytes) override { Put(root_ + "/" + rel, bytes); }
  std::set<std::string> Everything() override {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      std::string rel = fs::relative(e.path(), root_).string();
      out.insert(e.is_regular_file() ? rel + "=" + integration::ReadFileOrEmpty(e.path().string()) : rel + "/");
    }
    return out;
  }

 private:
  static void Put(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    ASSERT_TRUE(out.good()) << path;
  }

  integration::TempDir tmp_;
  std::string root_ = tmp_.Sub("storage");
};

// Short retries, so that a failing test stays short; the same code path.
constexpr s3::RetryPolicy kFastRetry{6, std::chrono::milliseconds(20), std::chrono::milliseconds(200)};

class S3Storage final : public Storage {
 public:
  Status Start() override {
    PB_RETURN_IF_ERROR(s3_.Start());
    raw_ = std::make_unique<s3::S3Client>(ConfigFor(""), kFastRetry);
    return Status::Ok();
  }
  Result<std::unique_ptr<Backend>> Create(const std::string& name) override {
    return Upcast(s3::S3Backend::Create(ConfigFor(name), kFastRetry));
  }
  Result<std::unique_ptr<Backend>> Open(const std::string& name) override {
    return Upcast(s3::S3Backend::Open(ConfigFor(name), kFastRetry));
  }
  std::string Where(const std::string& name, const std::string& path) const override {
    return std::string("s3://") + integration::S3rver::kBucket + "/" + name + (path.empty() ? "" : "/" + path);
  }
  std::optional<std::string> Stored(const std::string& name, const std::string& path) override {
    auto bytes = raw_->Get(name + "/" + path);
    if (bytes.status().kind() == Status::Kind::kNotFound) return std::nullopt;
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? std::optional<std::string>(*bytes) : std::nullopt;
  }
  void PutForeign(const std::string& name, const std::string& rel, const std::string& bytes) override {
    Status st = raw_->Put(name + "/" + rel, bytes, Sha256Hex(bytes));
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void RemoveForeign(const std::string& name, const std::string& rel) override {
    Status st = raw_->Delete(name + "/" + rel);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  void PutVictim(const std::string& rel, const std::string& bytes) override {
    Status st = raw_->Put(rel, bytes, Sha256Hex(bytes));
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::set<std::string> Everything() override {
    std::set<std::string> out;
    auto objects = raw_->List("");
    EXPECT_TRUE(objects.ok()) << objects.status().ToString();
    if (!objects.ok()) return out;
    for (const s3::ListedObject& o : *objects) {
      auto bytes = raw_->Get(o.key);
      out.insert(o.key + "=" + (bytes.ok() ? *bytes : bytes.status().ToString()));
    }
    return out;
  }

 private:
  // The configuration of s3://BUCKET/name from the s3rver's client
  // environment, listing two keys a page.
  s3::Config ConfigFor(const std::string& name) {
    std::vector<std::string> env = s3_.ClientEnv();
    auto getenv = [env](const char* var) -> std::optional<std::string> {
      for (const std::string& kv : env) {
        if (kv.starts_with(std::string(var) + "=")) return kv.substr(std::strlen(var) + 1);
      }
      return std::nullopt;
    };
    auto config =
        s3::ConfigFromEnvironment(std::string("s3://") + integration::S3rver::kBucket + "/" + name, {}, getenv);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    s3::Config c = config.ok() ? std::move(config).value() : s3::Config{};
    c.list_page_size = 2;
    return c;
  }

  integration::TempDir tmp_;
  integration::S3rver s3_{tmp_.Sub("store"), tmp_.Sub("s3rver.log")};
  std::unique_ptr<s3::S3Client> raw_;
};

}  // namespace

std::vector<std::string> StorageKinds() { return {"local", "s3"}; }

std::unique_ptr<Storage> MakeStorage(const std::string& kind) {
  if (kind == "s3") return std::make_unique<S3Storage>();
  return std::make_unique<LocalStorage>();
}

const std::vector<std::string>& BadPaths() {
  static const std::vector<std::string> kBad = {
      "",
      "../x",
      "../config",
      "/etc/passwd",
      "/keys/a",
      "/config",
      "data/../../x",
      "data//x",
      "data/ab//ab",
      "data/ab/../../x",
      "config/../keys/a",
      "config/",
      "configx",
      "unknownfolder/x",
      "x",
      "keys",
      "keys/",
      "keys/..",
      "keys/.",
      "keys/a/b",
      "keys//a",
      "keys/a.tmp-1-0",
      "keys/a.b",
      "keys/.hidden",
      "keys/a b",
      std::string("keys/a\0b", 8),
      std::string("keys/a\0", 7),
      "keys/a\nb",
      "keys/a\r",
      "keys/a\\b",
      "keys/\xc3\xa9",
      "keys/" + std::string(129, 'a'),
      "Keys/a",
      "./keys/a",
      "index/",
      "data/ab",
      "data/ab/",
      "data/ab/cd",  // wrong subfolder for the name
      "data/ab/cd12",
      "data/AB/AB",
      "data/a/a",
      "data/abc/abc",
      "data/zz/zz",
      "data/x",
  };
  return kBad;
}

}  // namespace pb::repo::contract
