// Providers (tenants) and their API keys, as stored (tables providers and api_keys;
// src/schema.cc). The model, topics and key rules: claim-service/docs/providers.md.
// Reads take either connection (the read connection under its mutex, or a journal command's);
// writes run inside a journal command, so they are WAL-first like every other change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "shared/api_keys.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"
#include "wal/journal.h"

namespace claims {

struct ProviderKeyInfo {
  std::string key_id;
  std::string created_at;
  std::optional<std::string> revoked_at;
};

struct ProviderRecord {
  std::string name;
  std::string created_at;
  std::optional<std::string> removed_at;
  std::vector<ProviderKeyInfo> keys;  // oldest first, revoked ones included
};

// Errors: kNotFound (never created; a removed provider is found, with removed_at).
StatusOr<ProviderRecord> LoadProvider(SqliteDatabase& db, const std::string& name);
// Every provider, removed ones included, by name.
StatusOr<std::vector<ProviderRecord>> ListProviders(SqliteDatabase& db);
// A key by id, for the authenticator; nullopt when there is none.
StatusOr<std::optional<StoredApiKey>> LoadApiKey(SqliteDatabase& db, const std::string& key_id);

// Creates the provider with its first key. `now` is RFC 3339. Errors: kInvalidArgument (a bad
// name), kConflict (the name exists, or existed: names are never reused).
StatusOr<IssuedApiKey> CreateProvider(wal::JournalTxn& txn, const std::string& name,
                                      const std::string& now);
// Another key for the provider (a rotation: the old key works until revoked).
// Errors: kNotFound (no such provider, or removed).
StatusOr<IssuedApiKey> AddProviderKey(wal::JournalTxn& txn, const std::string& name,
                                      const std::string& now);
// Errors: kNotFound (no such provider or no such key of it). Revoking a revoked key is OK.
Status RevokeProviderKey(wal::JournalTxn& txn, const std::string& name, const std::string& key_id,
                         const std::string& now);
// Marks the provider removed and revokes every key of it. Its claims and topics stay.
// Errors: kNotFound (no such provider, or removed already).
Status RemoveProvider(wal::JournalTxn& txn, const std::string& name, const std::string& now);

}  // namespace claims
