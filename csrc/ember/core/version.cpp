#include "ember/core/version.h"

#include "ember/core/error.h"
#include "ember/version.h"

namespace ember {

const char* version() { return EMBER_VERSION; }

void check_extension_version(const char* extension, const char* built_against) {
  EMBER_CHECK(std::string(built_against) == EMBER_VERSION, "the ember extension '", extension,
              "' was built against ember ", built_against, " but ember ", EMBER_VERSION,
              " is installed; rebuild the extension against the installed ember");
}

}  // namespace ember
