#include "ember/core/promotion.h"

namespace ember {
namespace {
ScalarType g_default_dtype = ScalarType::Float32;
}
ScalarType default_dtype() { return g_default_dtype; }
void set_default_dtype(ScalarType t) {
  EMBER_CHECK_TYPE(is_floating(t), "only floating-point types are supported as the default type");
  g_default_dtype = t;
}
}  // namespace ember
