// paymentsctl key list|add|remove|passwd.
#include <memory>

#include "cli/command_line.h"
#include "cli/repo_access.h"
#include "cli/repo_commands.h"
#include "repo/keys.h"
#include "secrets/password.h"

namespace pb::cli {
namespace {

struct KeyOptions : RepoOptions {
  std::string new_password_file;
  std::string id;
  OutputOptions output;
};

class KeysPrinter : public Report {
 public:
  explicit KeysPrinter(const std::vector<repo::KeyEntry>& keys) : keys_(keys) {}
  void Json(JsonObject& o) const override {
    o.Raw("keys", JsonArray(keys_, [](std::string* out, const repo::KeyEntry& k) {
      JsonObject obj(out);
      obj.Str("id", k.name).Bool("in_use", k.in_use);
      if (k.problem.empty()) {
        obj.Str("created_at", k.info.created_at)
            .UInt("opslimit", k.info.kdf.opslimit)
            .UInt("memlimit", k.info.kdf.memlimit);
      } else {
        obj.Str("problem", k.problem);
      }
      obj.Close();
    }));
  }
  void Text(std::ostream& out) const override {
    out << "  ID        Created                   KDF\n";
    for (const repo::KeyEntry& k : keys_) {
      out << (k.in_use ? "* " : "  ") << k.name.substr(0, 8) << "  ";
      if (k.problem.empty()) {
        out << k.info.created_at << "  argon2id, " << k.info.kdf.opslimit << " pass(es), "
            << HumanBytes(k.info.kdf.memlimit) << "\n";
      } else {
        out << "DAMAGED: " << k.problem << "\n";
      }
    }
    out << keys_.size() << " key file(s); * = the one your password opened\n";
  }

 private:
  const std::vector<repo::KeyEntry>& keys_;
};

Status RunKeyList(const KeyOptions& o, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(o, {.mode = repo::LockMode::kRead, .operation = "key list"}, &out));
  PB_ASSIGN_OR_RETURN(const std::vector<repo::KeyEntry> keys, repo::ListKeys(opened.repo.get()));
  out.Print(KeysPrinter(keys));
  return Status::Ok();
}

Status RunKeyAdd(const KeyOptions& o, Output& out) {
  PB_ASSIGN_OR_RETURN(OpenedRepo opened,
                      OpenRepo(o, {.mode = repo::LockMode::kExclusive, .operation = "key add"}, &out));
  PB_ASSIGN_OR_RETURN(const std::string fresh, secrets::ReadNewPassword(o.new_password_file));
  PB_ASSIGN_OR_RETURN(const std::string added, repo::AddKey(opened.repo.get(), fresh, repo::kDefaultKdf));
  out.Print(LinesReport("added key " + added.substr(0, 8) + ": the repository now also opens with the new password",
                        [&](JsonObject& j) { j.Str("added", added); }));
  return Status::Ok();
}

Status RunKeyRemove(const KeyOptions& o, Output& out) {
  std::string password;
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(o, {.mode = repo::LockMode::kExclusive,
                                                      .operation = "key remove", .password = &password},
                                                  &out));
  PB_ASSIGN_OR_RETURN(const std::string name, repo::FindKey(opened.repo.get(), o.id));
  PB_RETURN_IF_ERROR(repo::RemoveKey(opened.repo.get(), name, password));
  out.Print(LinesReport("removed key " + name.substr(0, 8) + ": its password no longer opens the repository",
                        [&](JsonObject& j) { j.Str("removed", name); }));
  return Status::Ok();
}

Status RunKeyPasswd(const KeyOptions& o, Output& out) {
  std::string password;
  PB_ASSIGN_OR_RETURN(OpenedRepo opened, OpenRepo(o, {.mode = repo::LockMode::kExclusive,
                                                      .operation = "key passwd", .password = &password},
                                                  &out));
  PB_ASSIGN_OR_RETURN(const std::string fresh, secrets::ReadNewPassword(o.new_password_file));
  PB_ASSIGN_OR_RETURN(const repo::PasswordChange change,
                      repo::ChangePassword(opened.repo.get(), password, fresh, repo::kDefaultKdf));
  std::string text = "key " + change.added.substr(0, 8) + " opens with the new password; removed";
  for (const std::string& r : change.removed) text += " " + r.substr(0, 8);
  text += ": the repository opens with the new password only (no data was re-encrypted)";
  out.Print(LinesReport(text, [&](JsonObject& j) {
    j.Str("added", change.added).Raw("removed", JsonStringArray(change.removed));
  }));
  return Status::Ok();
}

// A key subcommand with the repository options and -q/-v/--json.
CLI::App* AddKeySubcommand(CLI::App* key, const std::string& name, const std::string& help, KeyOptions* opts) {
  CLI::App* cmd = key->add_subcommand(name, help);
  AddRepoOptions(cmd, opts);
  AddOutputOptions(cmd, &opts->output);
  return cmd;
}

}  // namespace

void AddKeyCommand(CLI::App* app, int* exit_code) {
  auto opts = std::make_shared<KeyOptions>();
  CLI::App* key = app->add_subcommand(
      "key", "manage the repository's passwords (one key file each; data is never re-encrypted)");
  key->require_subcommand(1);
  const char* new_help = "file whose first line is the new password, a regular file of mode 0600 (default: "
                         "$PAYMENTS_REPO_NEW_PASSWORD, else a prompt)";
  CLI::App* list = AddKeySubcommand(key, "list", "list the key files (* = the one your password opens)", opts.get());
  Bind(list, opts, exit_code, RunKeyList);

  CLI::App* add =
      AddKeySubcommand(key, "add", "add a key file for a new password (the others keep working)", opts.get());
  add->add_option("--new-password-file", opts->new_password_file, new_help);
  Bind(add, opts, exit_code, RunKeyAdd);

  CLI::App* remove = AddKeySubcommand(
      key, "remove", "remove a key file (never the last one, nor the one your password opens unless another does)",
      opts.get());
  remove->add_option("id", opts->id, "key id (a unique prefix of at least 4 characters; see key list)")->required();
  Bind(remove, opts, exit_code, RunKeyRemove);

  CLI::App* passwd = AddKeySubcommand(
      key, "passwd", "change the password: a key file for the new one is written first, then the old one is removed",
      opts.get());
  passwd->add_option("--new-password-file", opts->new_password_file, new_help);
  Bind(passwd, opts, exit_code, RunKeyPasswd);
}

}  // namespace pb::cli
