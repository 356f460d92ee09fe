#pragma once
// EMBER_CLONES compiles a hot function for several x86-64 levels at once (GCC
// target_clones: AVX-512, AVX2+FMA, baseline); the loader picks the one the
// CPU runs, so a portable wheel still vectorizes at the machine's width.
// Put it on plain (non-template) functions.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMBER_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EMBER_CLONES
#endif
