#include "support/data_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>

#include "common/file_util.h"
#include "ledger/data_dir_lock.h"
#include "support/child_runner.h"
#include "support/test_support.h"

namespace pb::integration {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Writes `size` bytes produced by `fill(buffer, n)` at `offset` of `fd`.
template <typename Fill>
Status WriteGenerated(int fd, const std::string& path, uint64_t offset, uint64_t size, Fill fill) {
  std::string buf;
  for (uint64_t done = 0; done < size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(size - done, 4 << 20));
    buf.resize(n);
    fill(buf.data(), n);
    PB_RETURN_IF_ERROR(PwriteAll(fd, offset + done, std::string_view(buf.data(), n), path));
    done += n;
  }
  return Status::Ok();
}

struct RandomFill {
  uint64_t state;
  void operator()(char* p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t v = SplitMix64(&state);
      std::memcpy(p + i, &v, 8);
    }
    if (i < n) {
      uint64_t v = SplitMix64(&state);
      std::memcpy(p + i, &v, n - i);
    }
  }
};

Status WithFile(const std::string& path, int flags, unsigned mode, const std::function<Status(int)>& body) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Status::FromErrno("open " + path, errno);
  Status st = body(fd);
  if (::close(fd) != 0 && st.ok()) st = Status::FromErrno("close " + path, errno);
  return st;
}

// Every entry below `root`, by relative path, but a LOCK at the top.
Status CollectTree(const std::string& root, const std::string& rel, std::map<std::string, struct stat>* out) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  for (const std::string& name : DirEntries(dir)) {
    if (rel.empty() && name == ledger::kLockFileName) continue;  // not data: backups leave it out
    std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (::lstat((root + "/" + child).c_str(), &st) != 0) return Status::FromErrno("lstat " + root + "/" + child, errno);
    (*out)[child] = st;
    if (S_ISDIR(st.st_mode)) PB_RETURN_IF_ERROR(CollectTree(root, child, out));
  }
  return Status::Ok();
}

// "" when the two regular files hold the same bytes, else where they differ.
std::string CompareContent(const std::string& a, const std::string& b) {
  int fa = ::open(a.c_str(), O_RDONLY | O_CLOEXEC);
  int fb = ::open(b.c_str(), O_RDONLY | O_CLOEXEC);
  std::string result;
  if (fa < 0 || fb < 0) {
    result = "cannot open for comparison";
  } else {
    std::string ba(1 << 20, '\0'), bb(1 << 20, '\0');
    for (uint64_t offset = 0;;) {
      ssize_t na = ::pread(fa, ba.data(), ba.size(), static_cast<off_t>(offset));
      ssize_t nb = ::pread(fb, bb.data(), bb.size(), static_cast<off_t>(offset));
      if (na < 0 || nb < 0) {
        result = "read error";
        break;
      }
      if (na != nb || std::memcmp(ba.data(), bb.data(), static_cast<size_t>(na)) != 0) {
        result = "content differs in the MiB at offset " + std::to_string(offset);
        break;
      }
      if (na == 0) break;
      offset += static_cast<uint64_t>(na);
    }
  }
  if (fa >= 0) ::close(fa);
  if (fb >= 0) ::close(fb);
  return result;
}

int64_t MtimeNs(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec; }

}  // namespace

std::string RandomBytes(uint64_t size, uint64_t seed) {
  std::string out(static_cast<size_t>(size), '\0');
  RandomFill{seed}(out.data(), out.size());
  return out;
}

Status WriteRandomFile(const std::string& path, uint64_t size, uint64_t seed, unsigned mode) {
  ::unlink(path.c_str());
  PB_RETURN_IF_ERROR(WithFile(path, O_WRONLY | O_CREAT | O_TRUNC, mode, [&](int fd) {
    return WriteGenerated(fd, path, 0, size, RandomFill{seed});
  }));
  if (::chmod(path.c_str(), mode) != 0) return Status::FromErrno("chmod " + path, errno);
  return Status::Ok();
}

Status AppendRandom(const std::string& path, uint64_t size, uint64_t seed) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno("stat " + path, errno);
  return WithFile(path, O_WRONLY, 0, [&](int fd) {
    return WriteGenerated(fd, path, static_cast<uint64_t>(st.st_size), size, RandomFill{seed});
  });
}

Status WriteSparseFile(const std::string& path, uint64_t size, uint64_t data_offset, uint64_t data_length,
                       uint64_t seed) {
  ::unlink(path.c_str());
  return WithFile(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, [&](int fd) {
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return Status::FromErrno("truncate " + path, errno);
    return WriteGenerated(fd, path, data_offset, data_length, RandomFill{seed});
  });
}

Status WriteZeroFile(const std::string& path, uint64_t size) {
  ::unlink(path.c_str());
  return WithFile(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, [&](int fd) {
    return WriteGenerated(fd, path, 0, size, [](char* p, size_t n) { std::memset(p, 0, n); });
  });
}

uint64_t AllocatedBytes(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return UINT64_MAX;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t TreeFileBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const std::string& name : DirEntries(dir)) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;  // removed meanwhile
    if (S_ISDIR(st.st_mode)) total += TreeFileBytes(path);
    if (S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

std::string CompareTrees(const std::string& expected, const std::string& actual) {
  std::map<std::string, struct stat> want, got;
  Status a = CollectTree(expected, "", &want);
  Status b = CollectTree(actual, "", &got);
  if (!a.ok() || !b.ok()) return "cannot walk the trees: " + a.ToString() + " / " + b.ToString();
  std::string diffs;
  int count = 0;
  auto note = [&](const std::string& line) {
    if (++count <= 20) diffs += line + "\n";
  };
  for (const auto& [rel, ws] : want) {
    auto it = got.find(rel);
    if (it == got.end()) {
      note(rel + ": missing from " + actual);
      continue;
    }
    const struct stat& gs = it->second;
    if ((ws.st_mode & S_IFMT) != (gs.st_mode & S_IFMT)) {
      note(rel + ": type differs");
      continue;
    }
    if (!S_ISLNK(ws.st_mode) && (ws.st_mode & 07777) != (gs.st_mode & 07777)) {
      char m[64];
      std::snprintf(m, sizeof m, ": mode %04o, restored %04o", ws.st_mode & 07777, gs.st_mode & 07777);
      note(rel + m);
    }
    if (S_ISREG(ws.st_mode)) {
      if (ws.st_size != gs.st_size) {
        note(rel + ": size " + std::to_string(ws.st_size) + ", restored " + std::to_string(gs.st_size));
        continue;
      }
      std::string content = CompareContent(expected + "/" + rel, actual + "/" + rel);
      if (!content.empty()) note(rel + ": " + content);
    }
    if (S_ISLNK(ws.st_mode)) {
      char t1[4096] = {}, t2[4096] = {};
      ssize_t n1 = ::readlink((expected + "/" + rel).c_str(), t1, sizeof t1 - 1);
      ssize_t n2 = ::readlink((actual + "/" + rel).c_str(), t2, sizeof t2 - 1);
      if (n1 < 0 || n2 < 0 || std::string(t1) != std::string(t2)) {
        note(rel + ": symlink target '" + t1 + "', restored '" + t2 + "'");
      }
    }
    if (MtimeNs(ws) != MtimeNs(gs)) {
      note(rel + ": mtime " + std::to_string(MtimeNs(ws)) + " ns, restored " + std::to_string(MtimeNs(gs)));
    }
  }
  for (const auto& [rel, gs] : got) {
    if (!want.count(rel)) note(rel + ": only in " + actual);
  }
  if (count > 20) diffs += "... " + std::to_string(count - 20) + " more\n";
  return diffs;
}

Status MakeJournalDataDir(const std::string& data_dir, uint64_t workloads, uint64_t orchestrators) {
  ChildResult gen = RunChild({BinPath("bench-journal-gen"), "--data-dir", data_dir, "--orchestrators",
                              std::to_string(orchestrators), "--workloads", std::to_string(workloads)},
                             {}, std::chrono::seconds(60));
  if (gen.exit_code != 0) return Status::IOError("bench-journal-gen: " + gen.Describe());
  return Status::Ok();
}

Status MakeLedgerDataDir(const std::string& data_dir, uint64_t workloads) {
  PB_RETURN_IF_ERROR(MakeJournalDataDir(data_dir, workloads, 16));
  BackendOptions options;
  options.data_dir = data_dir;
  options.log_file = data_dir + ".backend.log";
  auto backend = BackendProcess::Start(options);
  if (!backend.ok()) return backend.status();
  int code = (*backend)->Terminate(std::chrono::seconds(30));
  if (code != 0) {
    return Status::IOError("payments-backend did not stop cleanly on SIGTERM (" + std::to_string(code) +
                           "); log:\n" + FileTail(options.log_file));
  }
  if (ReadFileOrEmpty(data_dir + "/journal/CHECKPOINT").empty()) {
    return Status::IOError("payments-backend wrote no journal/CHECKPOINT at shutdown");
  }
  return Status::Ok();
}

bool CheckpointInProgress(const std::string& data_dir) {
  for (const char* name :
       {"registry.json.ckpt", "balances.json.ckpt", "workloads.json.ckpt", "journal/CHECKPOINT.ckpt"}) {
    if (FileExists(data_dir + "/" + name)) return true;
  }
  return false;
}

Result<std::set<std::string>> JournalWorkloadIds(const std::string& data_dir) {
  std::set<std::string> ids;
  simdjson::dom::parser parser;
  std::string journal = data_dir + "/journal";
  for (const std::string& name : DirEntries(journal)) {
    if (name.size() != 28 || name.substr(20) != ".journal") continue;
    std::string text = ReadFileOrEmpty(journal + "/" + name);
    for (const std::string& line : Lines(text)) {
      size_t space = line.find(' ');
      if (space == std::string::npos) return Status::Corruption(name + ": a line without a space");
      simdjson::dom::element body;
      if (parser.parse(line.substr(space + 1)).get(body) != simdjson::SUCCESS) {
        return Status::Corruption(name + ": unparseable record");
      }
      std::string_view type, id;
      if (body["type"].get_string().get(type) == simdjson::SUCCESS && type == "workload" &&
          body["workload_id"].get_string().get(id) == simdjson::SUCCESS) {
        ids.emplace(id);
      }
    }
  }
  return ids;
}

Result<std::set<std::string>> JsonObjectKeys(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string text = ReadFileOrEmpty(path);
  if (parser.parse(text).get_object().get(object) != simdjson::SUCCESS) {
    return Status::Corruption(path + " is not a JSON object");
  }
  std::set<std::string> keys;
  for (auto field : object) keys.emplace(field.key);
  return keys;
}

Result<std::string> JsonObjectString(const std::string& path, const std::string& key) {
  simdjson::dom::parser parser;
  std::string text = ReadFileOrEmpty(path);
  std::string_view value;
  if (parser.parse(text)[key].get_string().get(value) != simdjson::SUCCESS) {
    return Status::NotFound(path + " has no string field " + key);
  }
  return std::string(value);
}

}  // namespace pb::integration
