"""Just-in-time C++ extensions, as torch.utils.cpp_extension.load/load_inline.

Sources are compiled with one compiler call against ember's installed headers
(and the pybind11 ember itself was built with) into a cache keyed by the
sources, the flags, the compiler, and the ember and Python versions; an
unchanged extension loads from the cache in milliseconds. Concurrent loads of
the same extension (threads or processes) wait on a file lock, and a finished
module is moved into place atomically.
"""
import fcntl
import functools
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig

from .. import _C

_ROOT = os.path.dirname(os.path.abspath(_C.__file__))


def include_paths():
    """Include directories for ember extensions (ember's headers, pybind11, Python)."""
    return [os.path.join(_ROOT, "include"), sysconfig.get_paths()["include"]]


def library_dir():
    return _ROOT


def _cache_root():
    return os.environ.get("EMBER_EXTENSIONS_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "ember_extensions")


def _compiler():
    cxx = os.environ.get("CXX") or "c++"
    if shutil.which(cxx) is None:
        raise RuntimeError(f"no C++ compiler found: '{cxx}' is not on PATH (set CXX to a C++17 compiler)")
    return cxx


def _build_command(cxx, module_name, sources, output, extra_cflags, extra_ldflags, extra_include_paths):
    cmd = [cxx, "-O2", "-std=c++17", "-fPIC", "-shared", "-fvisibility=hidden",
           f"-DEMBER_EXTENSION_NAME={module_name}"]
    for inc in list(extra_include_paths) + include_paths():
        cmd.append(f"-I{inc}")
    cmd += list(extra_cflags) + list(sources)
    cmd += ["-o", output, f"-L{_ROOT}", "-l:libember_core.so", f"-Wl,-rpath,{_ROOT}"] + list(extra_ldflags)
    return cmd


@functools.lru_cache(maxsize=None)
def _headers_digest():
    """ember's installed headers, hashed: an extension built against other headers (another build of the same
    version) is rebuilt rather than loaded with a stale layout."""
    h = hashlib.sha256()
    for inc in include_paths()[:1]:
        for root, dirs, files in os.walk(inc):
            dirs.sort()
            for f in sorted(files):
                with open(os.path.join(root, f), "rb") as fh:
                    h.update(f.encode() + b"\0" + fh.read() + b"\0")
    return h.hexdigest()


def _digest(name, sources, cxx, flags):
    h = hashlib.sha256()
    for part in (name, cxx, _C.__version__, _headers_digest(), sys.version, *flags):
        h.update(part.encode() + b"\0")
    for path in sources:
        with open(path, "rb") as f:
            h.update(f.read() + b"\0")
    return h.hexdigest()[:16]


def _import(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(name, sources, extra_cflags=None, extra_ldflags=None, extra_include_paths=None, build_directory=None,
         verbose=False, is_python_module=True, **_ignored):
    """Compiles `sources` and imports the module they define. Write the module
    as EMBER_EXTENSION(EMBER_EXTENSION_NAME, m) { ... } (the name is supplied at
    build time, so a rebuilt extension loads even in the same process);
    EMBER_EXTENSION(<name>, m) with the literal `name` works too."""
    sources = [sources] if isinstance(sources, str) else list(sources)
    for s in sources:
        if not os.path.isfile(s):
            raise FileNotFoundError(f"cpp_extension.load: source file '{s}' does not exist")
    sources = [os.path.abspath(s) for s in sources]
    extra_cflags, extra_ldflags = list(extra_cflags or []), list(extra_ldflags or [])
    extra_include_paths = list(extra_include_paths or [])
    cxx = _compiler()
    key = _digest(name, sources, cxx, extra_cflags + ["|"] + extra_ldflags + ["|"] + extra_include_paths)
    directory = build_directory or os.path.join(_cache_root(), f"{name}_{key}")
    os.makedirs(directory, exist_ok=True)
    # Python keeps the first extension module loaded under a name for the whole
    # process, so sources written with EMBER_EXTENSION(EMBER_EXTENSION_NAME, m)
    # get a name per build: a rebuilt extension is then really the new code.
    versioned = any("EMBER_EXTENSION_NAME" in open(src).read() for src in sources)
    module_name = f"{name}_{key[:12]}" if versioned else name
    output = os.path.join(directory, module_name + sysconfig.get_config_var("EXT_SUFFIX"))
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building the same extension finishes first
        stamp = os.path.join(directory, ".key")
        fresh = os.path.exists(output) and os.path.exists(stamp) and open(stamp).read() == key
        if not fresh:
            tmp = output + f".tmp{os.getpid()}"
            cmd = _build_command(cxx, module_name, sources, tmp, extra_cflags, extra_ldflags, extra_include_paths)
            if verbose:
                print("Building extension", name, ":", " ".join(cmd), file=sys.stderr)
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"Error building extension '{name}':\n{proc.stdout}{proc.stderr}")
            os.replace(tmp, output)
            with open(stamp, "w") as f:
                f.write(key)
        elif verbose:
            print(f"Loading extension {name} from the cache: {output}", file=sys.stderr)
    return _import(module_name, output) if is_python_module else output


def load_inline(name, cpp_sources, functions=None, extra_cflags=None, extra_ldflags=None, extra_include_paths=None,
                build_directory=None, verbose=False, **_ignored):
    """Like load(), from source strings. With `functions` (names, or a dict of
    name -> docstring), the module definition is generated."""
    cpp_sources = [cpp_sources] if isinstance(cpp_sources, str) else list(cpp_sources)
    parts = ["#include <ember/extension.h>"] + cpp_sources
    if functions:
        items = functions.items() if isinstance(functions, dict) else ((f, "") for f in functions)
        defs = "\n".join(f'  m.def("{f}", &{f}, "{doc}");' for f, doc in items)
        parts.append(f"EMBER_EXTENSION(EMBER_EXTENSION_NAME, m) {{\n{defs}\n}}")
    text = "\n".join(parts) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    src_dir = os.path.join(_cache_root(), "inline_sources")
    os.makedirs(src_dir, exist_ok=True)
    path = os.path.join(src_dir, f"{name}_{digest}.cpp")
    if not os.path.exists(path):
        tmp = path + f".tmp{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    return load(name, [path], extra_cflags, extra_ldflags, extra_include_paths, build_directory, verbose)
