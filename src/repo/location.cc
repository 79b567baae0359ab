#include "repo/location.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "repo/local/local_backend.h"
#include "repo/s3/s3_backend.h"

namespace pb::repo {
namespace {

enum class BackendUse { kOpen, kCreate };

// The backend of `location`, opened or created as `use` says.
Result<std::unique_ptr<Backend>> BackendOf(const Location& location, BackendUse use) {
  const bool create = use == BackendUse::kCreate;
  auto upcast = [](auto result) -> Result<std::unique_ptr<Backend>> {
    if (!result.ok()) return result.status();
    return std::unique_ptr<Backend>(std::move(result).value());
  };
  if (IsRemote(location)) {
    auto config = s3::ConfigFromEnvironment(location.repo, {location.s3_endpoint, location.s3_path_style});
    if (!config.ok()) return config.status();
    return upcast(create ? s3::S3Backend::Create(std::move(config).value())
                         : s3::S3Backend::Open(std::move(config).value()));
  }
  return upcast(create ? LocalBackend::Create(location.repo) : LocalBackend::Open(location.repo));
}

}  // namespace

bool IsRemote(const Location& location) { return s3::IsS3Url(location.repo); }

Result<std::unique_ptr<Backend>> OpenBackend(const Location& location) { return BackendOf(location, BackendUse::kOpen); }

Result<std::unique_ptr<Backend>> CreateBackend(const Location& location) { return BackendOf(location, BackendUse::kCreate); }

bool IsVacant(const Location& location) {
  if (IsRemote(location)) {
    auto backend = OpenBackend(location);
    return !backend.ok() && backend.status().kind() == Status::Kind::kNotFound;
  }
  std::error_code ec;
  return !std::filesystem::exists(location.repo, ec) ||
         (std::filesystem::is_directory(location.repo, ec) && std::filesystem::is_empty(location.repo, ec));
}

Result<std::unique_ptr<Repository>> UnlockRepository(const Location& location, const PasswordSource& password) {
  auto backend = OpenBackend(location);
  if (!backend.ok()) return backend.status();
  auto secret = password();
  if (!secret.ok()) return secret.status();
  return Repository::Open(std::move(backend).value(), *secret);
}

}  // namespace pb::repo
