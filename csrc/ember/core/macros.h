#pragma once
// Symbols of the core library that extensions and the bindings call.
#ifndef EMBER_API
#define EMBER_API __attribute__((visibility("default")))
#endif
