// The out-of-line parts of error.h: Error's key function (one type_info
// shared by the core and every extension) and the warning route.
#include "ember/core/error.h"

#include <atomic>
#include <cstdio>

namespace ember {

Error::~Error() = default;

namespace {
std::atomic<WarningHandler> g_warning_handler{nullptr};
}

void set_warning_handler(WarningHandler handler) { g_warning_handler.store(handler); }

void warn(const std::string& message) {
  if (WarningHandler handler = g_warning_handler.load()) return handler(message);
  std::fprintf(stderr, "ember warning: %s\n", message.c_str());
}

}  // namespace ember
