#include "shared/metrics.h"

#include <prometheus/text_serializer.h>

namespace claims {

std::string MetricsText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace claims
