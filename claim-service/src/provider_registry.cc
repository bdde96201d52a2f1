#include "claim_service/provider_registry.h"

namespace claims {
namespace {

struct ProviderRow {
  ProviderRecord record;
  int64_t version = 0;
};

StatusOr<std::vector<ProviderRow>> SelectProviders(SqliteDatabase& db,
                                                   const std::optional<std::string>& name) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT name, created_at, removed_at, version FROM providers "
      "WHERE ?1 IS NULL OR name = ?1 ORDER BY name");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, name);
  return CollectRows<ProviderRow>(*s, [](const SqliteStatement& r) -> StatusOr<ProviderRow> {
    return ProviderRow{{r.ColumnText(0), r.ColumnText(1), r.ColumnOptionalText(2), {}},
                       r.ColumnInt(3)};
  });
}

struct KeyRow {
  std::string provider;
  ProviderKeyInfo info;
  std::string hash;
  int64_t version = 0;
};

StatusOr<std::vector<KeyRow>> SelectKeys(SqliteDatabase& db, const std::string& sql,
                                         const std::optional<std::string>& param) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT provider, key_id, created_at, revoked_at, key_hash, version FROM api_keys " + sql);
  if (!s.ok()) return s.status();
  (*s)->Bind(1, param);
  return CollectRows<KeyRow>(*s, [](const SqliteStatement& r) -> StatusOr<KeyRow> {
    return KeyRow{r.ColumnText(0),
                  {r.ColumnText(1), r.ColumnText(2), r.ColumnOptionalText(3)},
                  r.ColumnText(4),
                  r.ColumnInt(5)};
  });
}

// Attaches each provider's keys.
Status AttachKeys(SqliteDatabase& db, std::vector<ProviderRow>* rows,
                  const std::optional<std::string>& name) {
  StatusOr<std::vector<KeyRow>> keys =
      SelectKeys(db, "WHERE ?1 IS NULL OR provider = ?1 ORDER BY created_at, key_id", name);
  if (!keys.ok()) return keys.status();
  for (KeyRow& k : *keys) {
    for (ProviderRow& p : *rows) {
      if (p.record.name == k.provider) p.record.keys.push_back(std::move(k.info));
    }
  }
  return Status::Ok();
}

StatusOr<ProviderRow> ActiveProvider(wal::JournalTxn& txn, const std::string& name) {
  StatusOr<std::vector<ProviderRow>> rows = SelectProviders(txn.db(), name);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().record.removed_at) {
    return NotFound("no provider named " + name);
  }
  return std::move(rows->front());
}

StatusOr<IssuedApiKey> StoreNewKey(wal::JournalTxn& txn, const std::string& name,
                                   const std::string& now) {
  IssuedApiKey key = IssueApiKey(name);
  CLAIMS_RETURN_IF_ERROR(txn.Put("api_keys", {{"key_id", key.key_id},
                                              {"provider", name},
                                              {"key_hash", key.hash},
                                              {"created_at", now},
                                              {"revoked_at", nullptr},
                                              {"version", 1}}));
  return key;
}

Status Revoke(wal::JournalTxn& txn, const KeyRow& key, const std::string& now) {
  if (key.info.revoked_at) return Status::Ok();
  return txn.Put("api_keys", {{"key_id", key.info.key_id},
                              {"provider", key.provider},
                              {"key_hash", key.hash},
                              {"created_at", key.info.created_at},
                              {"revoked_at", now},
                              {"version", key.version + 1}});
}

}  // namespace

StatusOr<ProviderRecord> LoadProvider(SqliteDatabase& db, const std::string& name) {
  StatusOr<std::vector<ProviderRow>> rows = SelectProviders(db, name);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("no provider named " + name);
  CLAIMS_RETURN_IF_ERROR(AttachKeys(db, &*rows, name));
  return std::move(rows->front().record);
}

StatusOr<std::vector<ProviderRecord>> ListProviders(SqliteDatabase& db) {
  StatusOr<std::vector<ProviderRow>> rows = SelectProviders(db, std::nullopt);
  if (!rows.ok()) return rows.status();
  CLAIMS_RETURN_IF_ERROR(AttachKeys(db, &*rows, std::nullopt));
  std::vector<ProviderRecord> out;
  for (ProviderRow& r : *rows) out.push_back(std::move(r.record));
  return out;
}

StatusOr<std::optional<StoredApiKey>> LoadApiKey(SqliteDatabase& db, const std::string& key_id) {
  StatusOr<std::vector<KeyRow>> keys = SelectKeys(db, "WHERE key_id = ?1", key_id);
  if (!keys.ok()) return keys.status();
  if (keys->empty()) return std::optional<StoredApiKey>();
  const KeyRow& k = keys->front();
  return std::optional<StoredApiKey>(
      StoredApiKey{k.info.key_id, k.provider, k.hash, k.info.revoked_at.has_value()});
}

StatusOr<IssuedApiKey> CreateProvider(wal::JournalTxn& txn, const std::string& name,
                                      const std::string& now) {
  if (!IsValidProviderName(name)) {
    return InvalidArgument(
        "a provider's name is 2 to 32 characters of a-z, 0-9 and '-', "
        "starting with a letter and not ending with '-'");
  }
  StatusOr<std::vector<ProviderRow>> existing = SelectProviders(txn.db(), name);
  if (!existing.ok()) return existing.status();
  if (!existing->empty()) {
    return Conflict(existing->front().record.removed_at
                        ? "provider " + name +
                              " was removed; names are not reused, so its claims stay its own"
                        : "provider " + name + " exists already");
  }
  CLAIMS_RETURN_IF_ERROR(txn.Put(
      "providers", {{"name", name}, {"created_at", now}, {"removed_at", nullptr}, {"version", 1}}));
  return StoreNewKey(txn, name, now);
}

StatusOr<IssuedApiKey> AddProviderKey(wal::JournalTxn& txn, const std::string& name,
                                      const std::string& now) {
  StatusOr<ProviderRow> provider = ActiveProvider(txn, name);
  if (!provider.ok()) return provider.status();
  return StoreNewKey(txn, name, now);
}

Status RevokeProviderKey(wal::JournalTxn& txn, const std::string& name, const std::string& key_id,
                         const std::string& now) {
  StatusOr<std::vector<KeyRow>> keys = SelectKeys(txn.db(), "WHERE key_id = ?1", key_id);
  if (!keys.ok()) return keys.status();
  if (keys->empty() || keys->front().provider != name) {
    return NotFound("provider " + name + " has no key " + key_id);
  }
  return Revoke(txn, keys->front(), now);
}

Status RemoveProvider(wal::JournalTxn& txn, const std::string& name, const std::string& now) {
  StatusOr<ProviderRow> provider = ActiveProvider(txn, name);
  if (!provider.ok()) return provider.status();
  StatusOr<std::vector<KeyRow>> keys = SelectKeys(txn.db(), "WHERE provider = ?1", name);
  if (!keys.ok()) return keys.status();
  for (const KeyRow& k : *keys) CLAIMS_RETURN_IF_ERROR(Revoke(txn, k, now));
  const ProviderRecord& r = provider->record;
  return txn.Put("providers", {{"name", r.name},
                               {"created_at", r.created_at},
                               {"removed_at", now},
                               {"version", provider->version + 1}});
}

}  // namespace claims
