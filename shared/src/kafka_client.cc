#include "shared/kafka_client.h"

#include <string>

#include "shared/json_log.h"

namespace claims {

StatusOr<rd_kafka_conf_t*> NewKafkaConf(const KafkaConfigEntries& entries) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [key, value] : entries) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("kafka setting " + key + "=" +
                             (IsSecretKafkaProperty(key) ? std::string("(secret)") : value) + ": " +
                             err);
    }
  }
  rd_kafka_conf_set_log_cb(
      conf, [](const rd_kafka_t* rk, int level, const char* facility, const char* message) {
        // syslog levels: 0-3 errors, 4 warning, 5-6 notice/info, 7 debug.
        const LogLevel l = level <= 3   ? LogLevel::kError
                           : level == 4 ? LogLevel::kWarn
                           : level <= 6 ? LogLevel::kInfo
                                        : LogLevel::kDebug;
        Log(l, message,
            {{"component", "librdkafka"}, {"client", rd_kafka_name(rk)}, {"facility", facility}});
      });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void*) {
    const bool fatal = err == RD_KAFKA_RESP_ERR__FATAL;
    // Transport errors while a broker is down are expected and retried by librdkafka.
    Log(fatal ? LogLevel::kError : LogLevel::kWarn, "kafka client error",
        {{"client", rd_kafka_name(rk)},
         {"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
         {"reason", reason},
         {"fatal", fatal}});
  });
  return conf;
}

StatusOr<rd_kafka_t*> NewKafkaClient(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(std::string("cannot create kafka client: ") + err);
  }
  return rk;
}

Status KafkaFatalError(rd_kafka_t* rk) {
  char reason[512];
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk, reason, sizeof reason);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Internal(std::string("kafka client fatal error ") + rd_kafka_err2name(err) + ": " +
                  reason);
}

Status CheckKafkaBroker(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  CLAIMS_RETURN_IF_ERROR(KafkaFatalError(rk));
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(std::string("kafka broker unreachable: ") + rd_kafka_err2str(err));
  }
  const int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (brokers == 0) return Unavailable("kafka cluster reports no brokers");
  return Status::Ok();
}

}  // namespace claims
