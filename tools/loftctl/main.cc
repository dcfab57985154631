// loftctl: manages Loft accounts, through the running server's admin socket
// or, when no server runs, directly on the store (see tools/README.md).
#include <sysexits.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "base/config.h"
#include "base/log.h"
#include "server/admin/admin_service.h"
#include "tools/loftctl/loftctl.h"

namespace {

using loft::tools::ExitCode;
namespace wire = loft::proto::admin;

int complain(int code, const std::string& message) {
  std::cerr << "loftctl: " << message << "\n";
  return code;
}

std::string default_config_path() {
  const char* env = std::getenv("LOFT_CONFIG");
  return env && *env ? env : "/etc/loft/loft.toml";
}

// Runs one parsed command line: builds the request, runs it, prints results.
int run(const std::string& config_path, bool offline, wire::RequestKind kind, const std::string& raw_name,
        uint64_t byte_limit, uint64_t message_limit) {
  auto config = loft::Config::load(config_path);
  if (!config) return complain(ExitCode::kExitUsage, config.error().message);

  wire::Request request;
  request.kind = kind;
  request.byte_limit = byte_limit;
  request.message_limit = message_limit;
  const bool store_request = kind == wire::RequestKind::store_check || kind == wire::RequestKind::store_repair;
  if (kind != wire::RequestKind::user_list && !store_request) {
    auto name = loft::server::AdminService::normalize_name(raw_name);
    if (!name) return complain(ExitCode::kExitUsage, "'" + raw_name + "': " + name.error().message);
    request.name = *name;
  }
  if (kind == wire::RequestKind::user_add || kind == wire::RequestKind::user_passwd) {
    auto password = loft::tools::read_new_password(request.name);
    if (!password) return complain(ExitCode::kExitUsage, password.error().message);
    if (auto ok = loft::server::AdminService::check_password(*password); !ok)
      return complain(ExitCode::kExitUsage, ok.error().message);
    request.password = std::move(*password);
  }

  loft::tools::Outcome outcome = loft::tools::execute(*config, offline, request);
  if (outcome.exit_code != ExitCode::kExitOk) return complain(outcome.exit_code, outcome.message);
  if (store_request) return loft::tools::print_check(outcome.response);
  switch (kind) {
    case wire::RequestKind::user_list:
      for (const auto& row : outcome.response.rows)
        if (!row.empty()) std::cout << row[0] << "\n";
      break;
    case wire::RequestKind::user_add: std::cerr << "added " << request.name << "\n"; break;
    case wire::RequestKind::user_passwd: std::cerr << "changed the password of " << request.name << "\n"; break;
    case wire::RequestKind::user_delete: std::cerr << "deleted " << request.name << "\n"; break;
    case wire::RequestKind::quota_get:
      // bytes messages byte-limit message-limit (a limit of 0 is none)
      for (const auto& row : outcome.response.rows)
        if (row.size() == 4)
          std::cout << "bytes " << row[0] << " messages " << row[1] << " byte_limit " << row[2] << " message_limit "
                    << row[3] << "\n";
      break;
    case wire::RequestKind::deliver: break;  // run by loft::tools::deliver
    case wire::RequestKind::quota_set: std::cerr << "set the quota of " << request.name << "\n"; break;
    case wire::RequestKind::ping:
    case wire::RequestKind::store_check:
    case wire::RequestKind::store_repair:
    case wire::RequestKind::index_status:  // run by loft::tools::index_command
    case wire::RequestKind::index_rebuild:
    case wire::RequestKind::index_optimize: break;
  }
  std::cout.flush();
  return std::cout ? ExitCode::kExitOk : ExitCode::kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  loft::set_log_level(loft::LogLevel::warn);  // the service's info lines are for loftd's log
  CLI::App app{"loftctl: manage the accounts of a Loft mail server"};
  app.set_version_flag("--version", std::string("loftctl ") + LOFT_VERSION);
  app.footer(
      "Passwords are read from standard input when it is not a terminal (first line),\n"
      "otherwise asked twice without echo.\n"
      "Exit codes: 0 ok, 1 operation failed (check: problems remain), 2 usage or config error,\n"
      "3 server unreachable.");
  std::string config_path = default_config_path();
  bool offline = false;
  app.add_option("-c,--config", config_path, "configuration file (default: $LOFT_CONFIG or /etc/loft/loft.toml)");
  app.add_flag("--offline", offline, "open the store directly instead of asking the running server");
  app.require_subcommand(1);

  CLI::App* user = app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  std::string name;
  wire::RequestKind kind = wire::RequestKind::ping;
  auto add_verb = [&](const char* verb, const char* help, wire::RequestKind k, bool takes_name) {
    CLI::App* sub = user->add_subcommand(verb, help);
    if (takes_name) sub->add_option("NAME", name, "account name")->required();
    sub->callback([&kind, k] { kind = k; });
  };
  add_verb("add", "create an account (password from stdin or prompt)", wire::RequestKind::user_add, true);
  add_verb("passwd", "set an account's password", wire::RequestKind::user_passwd, true);
  add_verb("delete", "delete an account with all its mail", wire::RequestKind::user_delete, true);
  add_verb("list", "print all account names, one per line", wire::RequestKind::user_list, false);

  CLI::App* check = app.add_subcommand("check", "verify the store's invariants (docs/storage.md)");
  bool repair = false;
  check->add_flag("--repair", repair, "also fix what is safe to fix, and say what was done");
  check->callback([&kind, &repair] {
    kind = repair ? wire::RequestKind::store_repair : wire::RequestKind::store_check;
  });

  CLI::App* quota = app.add_subcommand("quota", "show or set an account's storage limits");
  quota->require_subcommand(1);
  uint64_t byte_limit = 0, message_limit = 0;
  CLI::App* qget = quota->add_subcommand("get", "print usage and limits: bytes N messages N byte_limit N message_limit N");
  qget->add_option("NAME", name, "account name")->required();
  qget->callback([&kind] { kind = wire::RequestKind::quota_get; });
  CLI::App* qset = quota->add_subcommand("set", "set the limits (0: none)");
  qset->add_option("NAME", name, "account name")->required();
  qset->add_option("--bytes", byte_limit, "byte limit (RFC822.SIZE of every message), 0 for none");
  qset->add_option("--messages", message_limit, "message count limit, 0 for none");
  qset->callback([&kind] { kind = wire::RequestKind::quota_set; });

  CLI::App* deliver = app.add_subcommand(
      "deliver", "store the message on standard input (an MDA for Postfix, Exim, procmail); sysexits.h exit codes");
  std::string mailbox;
  std::vector<std::string> flags;
  deliver->add_option("--user", name, "account")->required();
  deliver->add_option("--mailbox", mailbox, "mailbox (default INBOX; a missing one means INBOX)");
  deliver->add_option("--flags", flags, "flags to set, e.g. --flags '\\Seen' '$Label'");
  deliver->callback([&kind] { kind = wire::RequestKind::deliver; });

  CLI::App* index = app.add_subcommand("index", "full-text index: status, rebuild, optimize (through loftd, or on the stopped store)");
  index->require_subcommand(1);
  std::string index_verb;
  for (const char* verb : {"status", "rebuild", "optimize"}) {
    CLI::App* sub = index->add_subcommand(verb, std::string(verb) + " the index of every account, or of --user");
    sub->add_option("--user", name, "only this account");
    sub->callback([&index_verb, verb] { index_verb = verb; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version or the error
    if (code != 0 && deliver->parsed()) return EX_USAGE;  // sysexits.h for an MDA
    return code == 0 ? ExitCode::kExitOk : ExitCode::kExitUsage;
  }
  if (kind == wire::RequestKind::deliver) {
    try {
      auto config = loft::Config::load(config_path);
      if (!config) return complain(EX_CONFIG, config.error().message);
      wire::Request request;
      request.kind = kind;
      request.name = name;
      request.mailbox = mailbox;
      for (const auto& f : flags) request.flags += (request.flags.empty() ? "" : " ") + f;
      return loft::tools::deliver(*config, offline, request);
    } catch (const std::exception& e) {
      return complain(EX_TEMPFAIL, std::string("unexpected error: ") + e.what());
    }
  }
  if (!index_verb.empty()) {
    auto config = loft::Config::load(config_path);
    if (!config) return complain(ExitCode::kExitUsage, config.error().message);
    return loft::tools::index_command(*config, offline, index_verb, name);
  }
  try {
    return run(config_path, offline, kind, name, byte_limit, message_limit);
  } catch (const std::exception& e) {  // nothing should throw; never die silently
    return complain(ExitCode::kExitFailed, std::string("unexpected error: ") + e.what());
  }
}
