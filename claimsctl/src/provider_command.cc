#include "provider_command.h"

#include <iostream>

namespace claimsctl {
namespace {

std::string Text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : "-"; }

void PrintProvider(const nlohmann::json& p) {
  std::cout << p.value("name", "") << "  created " << Text(p["created_at"]);
  if (!p["removed_at"].is_null()) std::cout << "  REMOVED " << Text(p["removed_at"]);
  std::cout << "\n  topics: in " << Text(p["topics"]["submitted"]) << ", out "
            << Text(p["topics"]["updated"]) << ", dead letters "
            << Text(p["topics"]["dead_letters"]) << "\n";
  for (const auto& k : p["keys"]) {
    std::cout << "  key " << Text(k["key_id"]) << "  created " << Text(k["created_at"]);
    if (!k["revoked_at"].is_null()) std::cout << "  revoked " << Text(k["revoked_at"]);
    std::cout << "\n";
  }
}

// The answer of a call that issued a key: the key, once, and how to keep it.
void PrintIssuedKey(const nlohmann::json& answer) {
  std::cout << "provider " << answer.value("name", "") << ": key " << Text(answer["key_id"])
            << "\n\n  " << Text(answer["api_key"]) << "\n\n"
            << "This key is shown once and cannot be read back: give it to the provider now.\n"
            << "It is sent as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\".\n";
}

int Print(const Api& api, const std::optional<nlohmann::json>& answer, int code,
          const std::function<void(const nlohmann::json&)>& human) {
  if (!answer) return code;
  if (api.options().json) {
    std::cout << answer->dump(2) << "\n";
  } else {
    human(*answer);
  }
  return 0;
}

}  // namespace

void AddProviderCommand(CLI::App& app, const Options& options, std::function<int()>* run) {
  CLI::App* provider = app.add_subcommand("provider", "Providers (tenants) and their API keys");
  provider->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto key_id = std::make_shared<std::string>();

  CLI::App* add = provider->add_subcommand("add", "Create a provider, its topics and first key");
  add->add_option("name", *name, "2-32 characters of a-z, 0-9, '-'")->required();
  add->callback([&options, name, run] {
    *run = [&options, name] {
      Api api(options);
      int code = 0;
      auto answer = api.Call("POST", "/admin/providers", {{"name", *name}}, &code);
      return Print(api, answer, code, PrintIssuedKey);
    };
  });

  CLI::App* list = provider->add_subcommand("list", "Every provider, removed ones included");
  list->callback([&options, run] {
    *run = [&options] {
      Api api(options);
      int code = 0;
      auto answer = api.Call("GET", "/admin/providers", nullptr, &code);
      return Print(api, answer, code, [](const nlohmann::json& all) {
        if (all.empty()) std::cout << "no providers\n";
        for (const auto& p : all) PrintProvider(p);
      });
    };
  });

  CLI::App* show = provider->add_subcommand("show", "One provider and its keys");
  show->add_option("name", *name)->required();
  show->callback([&options, name, run] {
    *run = [&options, name] {
      Api api(options);
      int code = 0;
      auto answer = api.Call("GET", "/admin/providers/" + *name, nullptr, &code);
      return Print(api, answer, code, PrintProvider);
    };
  });

  CLI::App* rotate =
      provider->add_subcommand("rotate", "Issue another key (the old one works until revoked)");
  rotate->add_option("name", *name)->required();
  rotate->callback([&options, name, run] {
    *run = [&options, name] {
      Api api(options);
      int code = 0;
      auto answer = api.Call("POST", "/admin/providers/" + *name + "/keys", nullptr, &code);
      return Print(api, answer, code, PrintIssuedKey);
    };
  });

  CLI::App* revoke = provider->add_subcommand("revoke", "Revoke one key of a provider");
  revoke->add_option("name", *name)->required();
  revoke->add_option("key_id", *key_id, "As `provider show` lists it")->required();
  revoke->callback([&options, name, key_id, run] {
    *run = [&options, name, key_id] {
      Api api(options);
      int code = 0;
      auto answer =
          api.Call("DELETE", "/admin/providers/" + *name + "/keys/" + *key_id, nullptr, &code);
      return Print(api, answer, code, [&](const nlohmann::json&) {
        std::cout << "key " << *key_id << " of " << *name << " revoked\n";
      });
    };
  });

  CLI::App* remove = provider->add_subcommand(
      "remove", "Remove a provider and revoke its keys (its claims and topics stay)");
  remove->add_option("name", *name)->required();
  remove->callback([&options, name, run] {
    *run = [&options, name] {
      Api api(options);
      int code = 0;
      auto answer = api.Call("DELETE", "/admin/providers/" + *name, nullptr, &code);
      return Print(api, answer, code, [&](const nlohmann::json&) {
        std::cout << "provider " << *name << " removed; its keys are revoked\n";
      });
    };
  });
}

}  // namespace claimsctl
