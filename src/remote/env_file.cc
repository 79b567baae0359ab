#include "remote/env_file.h"

#include <vector>

namespace pb::remote {

namespace {

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// True when `line` assigns `key`; *value is the raw text after '='.
bool Assigns(std::string_view line, std::string_view key, std::string_view* value) {
  std::string_view rest = TrimLeft(line);
  if (rest.substr(0, 7) == "export ") rest = TrimLeft(rest.substr(7));
  if (rest.substr(0, key.size()) != key) return false;
  rest = TrimLeft(rest.substr(key.size()));
  if (rest.empty() || rest.front() != '=') return false;
  *value = rest.substr(1);
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view content) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    else ++end;
    lines.push_back(content.substr(start, end - start));
    start = end;
  }
  return lines;
}

}  // namespace

std::optional<std::string> GetEnvValue(std::string_view content, std::string_view key) {
  std::optional<std::string> out;
  for (std::string_view line : SplitLines(content)) {
    std::string_view value;
    if (!Assigns(line, key, &value)) continue;
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out = std::string(value);
  }
  return out;
}

std::string SetEnvValue(std::string_view content, std::string_view key, std::string_view value) {
  std::string out;
  bool done = false;
  for (std::string_view line : SplitLines(content)) {
    std::string_view old;
    if (!Assigns(line, key, &old)) {
      out.append(line);
      continue;
    }
    if (done) continue;
    out.append(key).append("=").append(value).append("\n");
    done = true;
  }
  if (!done) {
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
    out.append(key).append("=").append(value).append("\n");
  }
  return out;
}

Status ValidateImage(std::string_view image) {
  if (image.empty() || image.size() > 255 || image.front() == '-') {
    return Status::InvalidArgument("--image must be a non-empty image reference (payments-backend:1.4.2)");
  }
  for (char c : image) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '/' || c == ':' || c == '@' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("--image \"" + std::string(image) +
                                     "\" is not accepted: letters, digits and _ . / : @ - only");
    }
  }
  return Status::Ok();
}

}  // namespace pb::remote
