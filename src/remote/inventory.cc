#include "remote/inventory.h"

#include <simdjson.h>

#include <regex>
#include <set>

#include "common/file_util.h"

namespace pb::remote {

namespace {

// Every accepted value matches one of these whole; none contains a character
// a shell, ssh_config or rsync would interpret.
const std::regex kHost("[A-Za-z0-9:][A-Za-z0-9.:-]{0,252}");
const std::regex kUser("[a-z_][a-z0-9_-]{0,31}");
const std::regex kPath("(/[A-Za-z0-9_.-]+)+/?");
const std::regex kWord("[A-Za-z0-9_./][A-Za-z0-9_./-]*");
const std::regex kOption("-[A-Za-z0-9_./-]+");  // a compose word after the first ("--in-pod")
const std::regex kHealthUrl("http://(127\\.0\\.0\\.1|localhost):([0-9]{1,5})(/[A-Za-z0-9_./-]*)?");
const std::regex kOwner("[0-9]{1,10}:[0-9]{1,10}");

Status Bad(const std::string& target, std::string_view field, std::string_view why) {
  return Status::InvalidArgument("inventory: target \"" + target + "\": field \"" + std::string(field) + "\" " +
                                 std::string(why) + "; nothing was run");
}

Status StringField(const std::string& target, std::string_view field, simdjson::dom::element value,
                   const std::regex& rule, std::string_view rule_text, std::string* out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return Bad(target, field, "must be a string");
  if (!std::regex_match(text.begin(), text.end(), rule)) {
    return Bad(target, field, "is not accepted: " + std::string(rule_text));
  }
  *out = std::string(text);
  return Status::Ok();
}

Status ParseCompose(const std::string& target, simdjson::dom::element value, std::vector<std::string>* out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return Bad(target, "compose", "must be a string");
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    bool ok = std::regex_match(word.begin(), word.end(), kWord) ||
              (!words.empty() && std::regex_match(word.begin(), word.end(), kOption));
    if (!ok) {
      return Bad(target, "compose",
                 "is not accepted: words of letters, digits and _ . / - separated by single spaces "
                 "(\"docker compose\", \"docker-compose\", an absolute path)");
    }
    words.emplace_back(word);
    start = end + 1;
  }
  *out = std::move(words);
  return Status::Ok();
}

Result<Target> ParseTarget(const std::string& name, simdjson::dom::object obj) {
  Target t;
  t.name = name;
  bool has_host = false, has_path = false;
  for (auto [key, value] : obj) {
    Status st;
    if (key == "host") {
      st = StringField(name, key, value, kHost, "a DNS name or IP address (letters, digits, . : -)", &t.host);
      has_host = true;
    } else if (key == "user") {
      st = StringField(name, key, value, kUser, "[a-z_][a-z0-9_-]*, at most 32 characters", &t.user);
    } else if (key == "remote_path") {
      st = StringField(name, key, value, kPath, "an absolute path of letters, digits and _ . / -", &t.remote_path);
      has_path = true;
    } else if (key == "port") {
      int64_t port = 0;
      if (value.get_int64().get(port) != simdjson::SUCCESS || port < 1 || port > 65535) {
        st = Bad(name, key, "must be an integer from 1 to 65535");
      }
      t.port = static_cast<int>(port);
    } else if (key == "compose") {
      st = ParseCompose(name, value, &t.compose);
    } else if (key == "health_url") {
      st = StringField(name, key, value, kHealthUrl,
                       "http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH (the host's own loopback)",
                       &t.health_url);
    } else if (key == "data_owner") {
      st = StringField(name, key, value, kOwner, "UID:GID in digits (10001:10001)", &t.data_owner);
    } else {
      st = Bad(name, key,
               "is unknown (known: host, user, port, remote_path, compose, health_url, data_owner); check for a typo");
    }
    if (!st.ok()) return st;
  }
  if (!has_host) return Bad(name, "host", "is missing");
  if (!has_path) return Bad(name, "remote_path", "is missing");
  while (t.remote_path.size() > 1 && t.remote_path.back() == '/') t.remote_path.pop_back();
  for (size_t pos = 0; pos < t.remote_path.size();) {
    size_t end = t.remote_path.find('/', pos + 1);
    if (end == std::string::npos) end = t.remote_path.size();
    std::string_view part(t.remote_path.data() + pos + 1, end - pos - 1);
    if (part == "." || part == "..") return Bad(name, "remote_path", "must not contain . or .. components");
    pos = end;
  }
  return t;
}

}  // namespace

std::string Target::Address() const { return user + "@" + host + ":" + std::to_string(port); }

Result<Inventory> ParseInventory(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object root;
  if (parser.parse(padded).get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("inventory: not a JSON object of targets (see ops/inventory.example.json)");
  }
  Inventory inv;
  for (auto [key, value] : root) {
    std::string name(key);
    if (!std::regex_match(name, kWord)) {
      return Status::InvalidArgument("inventory: name \"" + name +
                                     "\" is not accepted: letters, digits and _ . / - only");
    }
    simdjson::dom::object obj;
    simdjson::dom::array arr;
    if (value.get_object().get(obj) == simdjson::SUCCESS) {
      auto target = ParseTarget(name, obj);
      if (!target.ok()) return target.status();
      inv.targets[name] = std::move(*target);
    } else if (value.get_array().get(arr) == simdjson::SUCCESS) {
      std::vector<std::string>& members = inv.groups[name];
      for (simdjson::dom::element e : arr) {
        std::string_view member;
        if (e.get_string().get(member) != simdjson::SUCCESS) {
          return Status::InvalidArgument("inventory: group \"" + name + "\" must be an array of target names");
        }
        members.emplace_back(member);
      }
    } else {
      return Status::InvalidArgument("inventory: \"" + name +
                                     "\" must be a target (an object) or a group (an array of target names)");
    }
  }
  for (const auto& [group, members] : inv.groups) {
    for (const std::string& m : members) {
      if (!inv.targets.count(m)) {
        return Status::InvalidArgument("inventory: group \"" + group + "\" names \"" + m + "\", which is not a target");
      }
    }
  }
  return inv;
}

Result<Inventory> LoadInventory(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().kind() == Status::Kind::kNotFound) {
      return Status::NotFound("inventory " + path + " does not exist (start from ops/inventory.example.json)");
    }
    return text.status();
  }
  auto inv = ParseInventory(*text);
  if (!inv.ok()) return Status::InvalidArgument(path + ": " + inv.status().message());
  return inv;
}

Result<std::vector<Target>> ResolveTargets(const Inventory& inventory, std::string_view spec) {
  std::vector<Target> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) out.push_back(inventory.targets.at(name));
  };
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    std::string name(spec.substr(start, end - start));
    start = end + 1;
    if (name.empty()) continue;
    if (inventory.targets.count(name)) {
      add(name);
    } else if (auto g = inventory.groups.find(name); g != inventory.groups.end()) {
      for (const std::string& m : g->second) add(m);
    } else {
      std::string known;
      for (const auto& [n, t] : inventory.targets) known += (known.empty() ? "" : ", ") + n;
      for (const auto& [n, g2] : inventory.groups) known += (known.empty() ? "" : ", ") + n + " (group)";
      return Status::InvalidArgument("unknown target \"" + name + "\"; the inventory has: " + known);
    }
  }
  if (out.empty()) return Status::InvalidArgument("--target names no target");
  return out;
}

}  // namespace pb::remote
