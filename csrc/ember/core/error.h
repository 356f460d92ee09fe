#pragma once
// ember's exception types. The bindings translate each to the Python type that
// PyTorch raises in the same situation (see python/module.cpp).
#include <sstream>
#include <stdexcept>
#include <string>

#include "ember/core/macros.h"

namespace ember {

// OutOfMemory is ember.cuda.OutOfMemoryError (a RuntimeError subclass).
enum class ErrorKind { Runtime, Index, Type, Value, NotImplemented, OutOfMemory };

class EMBER_API Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ~Error() override;  // defined in the core: one type_info shared with extensions
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

// Concatenates its arguments with operator<<: str("got ", n, " dims").
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  return os.str();
}

[[noreturn]] inline void throw_error(ErrorKind kind, const std::string& msg) { throw Error(kind, msg); }

// A warning where PyTorch warns (TORCH_WARN). The bindings install a handler
// that raises Python's UserWarning; without one it goes to stderr. The
// handler may throw (warnings turned into errors).
using WarningHandler = void (*)(const std::string& message);
EMBER_API void set_warning_handler(WarningHandler handler);
EMBER_API void warn(const std::string& message);

}  // namespace ember

// EMBER_CHECK(cond, msg...) raises RuntimeError; the _TYPE/_INDEX/_VALUE forms
// raise TypeError, IndexError, ValueError with the concatenated message.
#define EMBER_CHECK_KIND(kind, cond, ...)                                    \
  do {                                                                       \
    if (__builtin_expect(!(cond), 0))                                        \
      ::ember::throw_error(::ember::ErrorKind::kind, ::ember::str(__VA_ARGS__)); \
  } while (0)
#define EMBER_CHECK(cond, ...) EMBER_CHECK_KIND(Runtime, cond, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, ...) EMBER_CHECK_KIND(Index, cond, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, ...) EMBER_CHECK_KIND(Type, cond, __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, ...) EMBER_CHECK_KIND(Value, cond, __VA_ARGS__)
#define EMBER_ERROR(...) ::ember::throw_error(::ember::ErrorKind::Runtime, ::ember::str(__VA_ARGS__))
