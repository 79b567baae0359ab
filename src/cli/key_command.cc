// paymentsctl key list|add|remove|passwd.
#include <iostream>
#include <memory>

#include "cli/password.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "common/json_text.h"
#include "repo/keys.h"

namespace pb::cli {
namespace {

struct KeyOptions : RepoOptions {
  std::string new_password_file;
  std::string id;
  bool json = false;
};

void List(const KeyOptions& o, int* exit_code) {
  auto opened = OpenRepo(o, repo::LockMode::kRead, "key list", /*load_index=*/false);
  if (!opened.ok()) {
    *exit_code = ReportError("key list", opened.status());
    return;
  }
  auto keys = repo::ListKeys(opened->repo.get());
  if (!keys.ok()) {
    *exit_code = ReportError("key list", keys.status());
    return;
  }
  if (o.json) {
    std::cout << "[";
    for (size_t i = 0; i < keys->size(); ++i) {
      const repo::KeyEntry& k = (*keys)[i];
      std::string line;
      JsonObject obj(&line);
      obj.Str("id", k.name).Bool("in_use", k.in_use);
      if (k.problem.empty()) {
        obj.Str("created_at", k.info.created_at)
            .UInt("opslimit", k.info.kdf.opslimit)
            .UInt("memlimit", k.info.kdf.memlimit);
      } else {
        obj.Str("problem", k.problem);
      }
      obj.Close();
      std::cout << (i ? ",\n" : "\n") << line;
    }
    std::cout << "\n]\n";
    return;
  }
  std::cout << "  ID        Created                   KDF\n";
  for (const repo::KeyEntry& k : *keys) {
    std::cout << (k.in_use ? "* " : "  ") << k.name.substr(0, 8) << "  ";
    if (k.problem.empty()) {
      std::cout << k.info.created_at << "  argon2id, " << k.info.kdf.opslimit << " pass(es), "
                << HumanBytes(k.info.kdf.memlimit) << "\n";
    } else {
      std::cout << "DAMAGED: " << k.problem << "\n";
    }
  }
  std::cout << keys->size() << " key file(s); * = the one your password opened\n";
}

void Add(const KeyOptions& o, int* exit_code) {
  auto opened = OpenRepo(o, repo::LockMode::kExclusive, "key add", /*load_index=*/false);
  if (!opened.ok()) {
    *exit_code = ReportError("key add", opened.status());
    return;
  }
  auto fresh = ReadNewPassword(o.new_password_file);
  if (!fresh.ok()) {
    *exit_code = ReportError("key add", fresh.status());
    return;
  }
  auto added = repo::AddKey(opened->repo.get(), *fresh, repo::kDefaultKdf);
  if (!added.ok()) {
    *exit_code = ReportError("key add", added.status());
    return;
  }
  std::cout << "added key " << added->substr(0, 8) << ": the repository now also opens with the new password\n";
}

void Remove(const KeyOptions& o, int* exit_code) {
  std::string password;
  auto opened = OpenRepo(o, repo::LockMode::kExclusive, "key remove", /*load_index=*/false, &password);
  if (!opened.ok()) {
    *exit_code = ReportError("key remove", opened.status());
    return;
  }
  auto name = repo::FindKey(opened->repo.get(), o.id);
  Status st = name.ok() ? repo::RemoveKey(opened->repo.get(), *name, password) : name.status();
  if (!st.ok()) {
    *exit_code = ReportError("key remove", st);
    return;
  }
  std::cout << "removed key " << name->substr(0, 8) << ": its password no longer opens the repository\n";
}

void Passwd(const KeyOptions& o, int* exit_code) {
  std::string password;
  auto opened = OpenRepo(o, repo::LockMode::kExclusive, "key passwd", /*load_index=*/false, &password);
  if (!opened.ok()) {
    *exit_code = ReportError("key passwd", opened.status());
    return;
  }
  auto fresh = ReadNewPassword(o.new_password_file);
  if (!fresh.ok()) {
    *exit_code = ReportError("key passwd", fresh.status());
    return;
  }
  auto change = repo::ChangePassword(opened->repo.get(), password, *fresh, repo::kDefaultKdf);
  if (!change.ok()) {
    *exit_code = ReportError("key passwd", change.status());
    return;
  }
  std::cout << "key " << change->added.substr(0, 8) << " opens with the new password; removed";
  for (const std::string& r : change->removed) std::cout << " " << r.substr(0, 8);
  std::cout << ": the repository opens with the new password only (no data was re-encrypted)\n";
}

}  // namespace

void AddKeyCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<KeyOptions>();
  CLI::App* key = app->add_subcommand(
      "key", "manage the repository's passwords (one key file each; data is never re-encrypted)");
  key->require_subcommand(1);
  CLI::App* list = key->add_subcommand("list", "list the key files (* = the one your password opens)");
  AddRepoOptions(list, opts.get());
  list->add_flag("--json", opts->json, "print a JSON array");
  list->callback([opts, exit_code] { List(*opts, exit_code); });

  const char* new_help = "file whose first line is the new password, a regular file of mode 0600 (default: "
                         "$PAYMENTS_REPO_NEW_PASSWORD, else a prompt)";
  CLI::App* add = key->add_subcommand("add", "add a key file for a new password (the others keep working)");
  AddRepoOptions(add, opts.get());
  add->add_option("--new-password-file", opts->new_password_file, new_help);
  add->callback([opts, exit_code] { Add(*opts, exit_code); });

  CLI::App* remove = key->add_subcommand(
      "remove", "remove a key file (never the last one, nor the one your password opens unless another does)");
  AddRepoOptions(remove, opts.get());
  remove->add_option("id", opts->id, "key id (a unique prefix of at least 4 characters; see key list)")->required();
  remove->callback([opts, exit_code] { Remove(*opts, exit_code); });

  CLI::App* passwd = key->add_subcommand(
      "passwd", "change the password: a key file for the new one is written first, then the old one is removed");
  AddRepoOptions(passwd, opts.get());
  passwd->add_option("--new-password-file", opts->new_password_file, new_help);
  passwd->callback([opts, exit_code] { Passwd(*opts, exit_code); });
}

}  // namespace pb::cli
