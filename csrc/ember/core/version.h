#pragma once
#include "ember/core/macros.h"

namespace ember {

// The version of the ember core library loaded at run time.
EMBER_API const char* version();
// Refuses (with a clear error) an extension compiled against another version.
EMBER_API void check_extension_version(const char* extension, const char* built_against);

}  // namespace ember
