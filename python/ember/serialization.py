"""ember.save / ember.load: checkpoints without pickle.

A file is a valid safetensors file (https://github.com/huggingface/safetensors):

    8 bytes   N, the header's length, unsigned little-endian
    N bytes   the header: a UTF-8 JSON object, padded with spaces so that the
              data starts at a multiple of 8 bytes
    the rest  every tensor's raw bytes, little-endian, row-major, back to back

The header maps each tensor's name to {"dtype": "F32" | "F64" | "I64" | "I32" |
"BOOL", "shape": [...], "data_offsets": [begin, end]} (offsets into the data
part; the tensors cover it exactly, without gaps), and "__metadata__" to a map
of strings:

    "format": "pt"             what safetensors tools expect of PyTorch-style files
    "ember_format": "2"        this layout's version (files of version 1, which
                               has no views or parameter marks, load too)
    "ember_structure": JSON    the saved object, tensors replaced by references
    "ember_crc32": 8 hex       zlib CRC-32 of the canonical header followed by all
                               the data; the canonical header is the header object
                               without "ember_crc32", as json.dumps(h, sort_keys=True,
                               separators=(",", ":"), ensure_ascii=True)

In "ember_structure", None, bools, ints, finite floats, strings and lists are
plain JSON; everything else is an object with a tag "t": {"t": "tuple", "v":
[...]}, {"t": "dict", "v": [[key, value], ...]} (keys of any storable hashable
type, order kept), {"t": "odict", ...} (an OrderedDict), {"t": "tensor",
"name": ...} (plus "requires_grad": true where set), {"t": "float", "v": "nan" |
"inf" | "-inf"}, {"t": "bytes", "v": base64}, {"t": "size", "v": [...]}, {"t":
"dtype", "v": name}, {"t": "device", "v": "cpu"}. A tensor reference may carry
"parameter": true (an nn.Parameter, loaded as one) and "view": [offset, shape,
strides] (this tensor is a view into the stored tensor "name", whose elements
it reads from `offset` with those strides).

Tensor names are their paths in the object ("fc.weight" for a state_dict,
"state.0.exp_avg" for an optimizer's), so a saved state_dict reads in any
safetensors tool as the same names. A tensor object referenced several times is
stored once and loads as one object referenced several times. A tensor whose
elements lie inside another saved tensor that is contiguous (x and x[2:4], a
weight and its transposed view) is saved as a view of it and loads sharing its
memory, as PyTorch keeps shared storage; other tensors sharing storage are
stored as separate copies. nn.Parameter loads as nn.Parameter; other Tensor
subclasses load as plain tensors; Mapping, list and tuple subclasses other than
OrderedDict and Size load as dict, list and tuple.

Loading runs no code: it parses JSON and copies bytes. Anything that is not a
well-formed file (truncated, wrong header length, bad JSON, unknown dtype,
offsets out of range or overlapping, data that fails the checksum, a structure
referring to missing tensors) raises RuntimeError naming the file and the
problem. A plain safetensors file written by another tool (no "ember_*" metadata
keys) loads as a dict {name: tensor} in the order of the data.
"""
import base64
import collections
import collections.abc
import json
import math
import os
import secrets
import sys
import zlib

import numpy as np

import ember as _ember

__all__ = ["save", "load"]

_FORMAT_VERSION = "2"
_READABLE_VERSIONS = ("1", "2")
_MAX_HEADER = 100_000_000  # the safetensors limit on the header's size
_ALIGN = 8

# safetensors dtype name -> (NumPy little-endian dtype, ember dtype attribute name)
_DTYPES = {
    "F32": ("<f4", "float32"),
    "F64": ("<f8", "float64"),
    "F16": ("<f2", "float16"),
    "BF16": ("<u2", "bfloat16"),  # NumPy has no bfloat16: its bits, as uint16
    "I64": ("<i8", "int64"),
    "I32": ("<i4", "int32"),
    "BOOL": ("|b1", "bool"),
}
_OTHER_SAFETENSORS_DTYPES = {"F8_E4M3", "F8_E5M2", "I8", "I16", "U8", "U16", "U32", "U64",
                             "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"}


def _ember_dtype_to_st(dtype):
    for name, (_, attr) in _DTYPES.items():
        if dtype == getattr(_ember, attr):
            return name
    raise TypeError(f"ember.save: tensors of dtype {dtype} cannot be saved")


def _dtype_attr_name(dtype):
    for _, attr in _DTYPES.values():
        if dtype == getattr(_ember, attr):
            return attr
    raise TypeError(f"ember.save: cannot store dtype {dtype}")


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------


class _Encoder:
    """Turns the object into the JSON structure and the list of tensors to write."""

    def __init__(self):
        self.tensors = []        # (name, tensor) in order of first appearance
        self.names = set()
        self.by_id = {}          # id(tensor) -> name
        self.keep = []           # keeps tensors alive so that ids stay unique
        self.active = set()      # ids of containers being encoded (cycle check)
        self.refs = {}           # id(tensor) -> the reference nodes made for it (views rewrite them)

    def _name_for(self, path):
        base = ".".join(path) if path else "tensor"
        name, k = base, 1
        while name in self.names or name == "__metadata__":
            name = f"{base}#{k}"
            k += 1
        self.names.add(name)
        return name

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            v = float(obj)
            if math.isfinite(v):
                return v
            return {"t": "float", "v": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
        if isinstance(obj, _ember.Tensor):
            return self._tensor(obj, path)
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), path)
        if isinstance(obj, (bytes, bytearray)):
            return {"t": "bytes", "v": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, _ember.dtype):
            return {"t": "dtype", "v": _dtype_attr_name(obj)}
        if isinstance(obj, _ember.device):
            return {"t": "device", "v": str(obj)}
        if isinstance(obj, (list, tuple, dict, collections.abc.Mapping)):
            oid = id(obj)
            if oid in self.active:
                raise ValueError(f"ember.save: the object contains itself (at '{'.'.join(path) or '<root>'}'); "
                                 "cyclic structures cannot be saved")
            self.active.add(oid)
            try:
                return self._container(obj, path)
            finally:
                self.active.discard(oid)
        where = ".".join(path) or "<root>"
        raise TypeError(f"ember.save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__} "
                        f"(at '{where}'); supported: tensors, dicts, lists, tuples, str, int, float, bool, None, "
                        "bytes, ember.dtype, ember.device")

    def _container(self, obj, path):
        if isinstance(obj, _ember.Size):
            return {"t": "size", "v": [int(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"t": "tuple", "v": [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]}
        items = []
        for k, v in obj.items():
            if isinstance(k, _ember.Tensor) or not _is_key(k):
                raise TypeError(f"ember.save: cannot save a dict key of type {type(k).__name__} "
                                f"(at '{'.'.join(path) or '<root>'}'); keys must be str, int, float, bool, None, "
                                "bytes or tuples of these")
            items.append([self.encode(k, path + ["<key>"]), self.encode(v, path + [str(k)])])
        tag = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
        return {"t": tag, "v": items}

    def _tensor(self, t, path):
        name = self.by_id.get(id(t))
        if name is None:
            _ember_dtype_to_st(t.dtype)  # raises for dtypes the format lacks
            name = self._name_for(path)
            self.by_id[id(t)] = name
            self.keep.append(t)
            self.tensors.append((name, t))
        ref = {"t": "tensor", "name": name}
        if t.requires_grad:
            ref["requires_grad"] = True
        if isinstance(t, _parameter_type()):
            ref["parameter"] = True
        self.refs.setdefault(id(t), []).append(ref)
        return ref

    def store_views(self):
        """Turns each tensor that lies inside another saved, contiguous tensor into a view of it (the
        largest such tensor, the first saved among equals), so that loading keeps their memory shared.
        The host found first in that order is itself stored: a tensor holding it would hold t too and
        come earlier."""
        spans = [_span(t) for _, t in self.tensors]
        order = sorted(range(len(self.tensors)), key=lambda i: (-self.tensors[i][1].numel(), i))
        containers = [i for i in order if spans[i] is not None and self.tensors[i][1].is_contiguous()]
        stored = []
        for i, (name, t) in enumerate(self.tensors):
            host = next((c for c in containers if c != i and _contains(spans[c], spans[i])
                         and (self.tensors[c][1].numel() > t.numel() or c < i)), None) if spans[i] else None
            if host is None:
                stored.append((name, t))
                continue
            base = self.tensors[host][1]
            view = [t.storage_offset() - base.storage_offset(), [int(s) for s in t.shape], list(t.stride())]
            for ref in self.refs[id(t)]:
                ref["name"] = self.tensors[host][0]
                ref["view"] = view
        self.tensors = stored


def _parameter_type():
    from .nn.parameter import Parameter
    return Parameter


def _span(t):
    """(storage, dtype, first element, last element + 1) of t's memory, or None for an empty tensor."""
    if t.numel() == 0:
        return None
    first = t.storage_offset()
    last = first + sum((n - 1) * st for n, st in zip(t.shape, t.stride()))
    storage = (t.device.type, t.device.index, t.data_ptr() - first * t.element_size())
    return storage, t.dtype, first, last + 1


def _contains(outer, inner):
    return (outer is not None and inner is not None and outer[:2] == inner[:2]
            and outer[2] <= inner[2] and inner[3] <= outer[3])


def _is_key(k):
    if k is None or isinstance(k, (bool, int, float, str, bytes)):
        return True
    if isinstance(k, np.generic) and k.dtype.kind in "biuf":
        return True
    return isinstance(k, tuple) and all(_is_key(v) for v in k)


def _tensor_bytes_array(t):
    """t's data as a C-contiguous little-endian NumPy array (a copy only where needed)."""
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.dtype == _ember.bfloat16:  # its bits: the top half of the (exact) float32 value
        a = (np.ascontiguousarray(t.float().numpy()).view(np.uint32) >> 16).astype(np.uint16)
    else:
        a = np.ascontiguousarray(t.numpy())
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.astype(a.dtype.newbyteorder("<"))
    return a


def _canonical(header_without_crc):
    return json.dumps(header_without_crc, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def _build(obj):
    """Returns (prefix bytes: length + header, [(name, array)]) for obj."""
    enc = _Encoder()
    structure = enc.encode(obj, [])
    enc.store_views()
    arrays = [(name, _tensor_bytes_array(t), t) for name, t in enc.tensors]
    table = {}
    offset = 0
    for name, a, t in arrays:
        n = a.nbytes
        table[name] = {"dtype": _ember_dtype_to_st(t.dtype), "shape": [int(s) for s in t.shape],
                       "data_offsets": [offset, offset + n]}
        offset += n
    metadata = {"format": "pt", "ember_format": _FORMAT_VERSION,
                "ember_structure": json.dumps(structure, separators=(",", ":"), ensure_ascii=False,
                                              allow_nan=False)}
    crc = zlib.crc32(_canonical({"__metadata__": metadata, **table}))
    for _, a, _ in arrays:
        if a.nbytes:
            crc = zlib.crc32(memoryview(a).cast("B"), crc)
    metadata["ember_crc32"] = f"{crc:08x}"
    header = json.dumps({"__metadata__": metadata, **table}, separators=(",", ":"), ensure_ascii=False,
                        allow_nan=False).encode("utf-8")
    header += b" " * (-(8 + len(header)) % _ALIGN)
    if len(header) > _MAX_HEADER:
        raise ValueError(f"ember.save: the header would be {len(header)} bytes, over the safetensors limit of "
                         f"{_MAX_HEADER}")
    return len(header).to_bytes(8, "little") + header, [(name, a) for name, a, _ in arrays]


def _write_all(f, prefix, arrays):
    f.write(prefix)
    for _, a in arrays:
        if a.nbytes:
            f.write(memoryview(a).cast("B"))


def _is_path(f):
    return isinstance(f, (str, bytes, os.PathLike))


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Saves `obj` (tensors in dicts, lists, tuples, with str/int/float/bool/None
    leaves: a state_dict, an optimizer's state_dict, a training checkpoint) to
    `f`, a path or a binary file-like object, in the safetensors format (see the
    module docstring). No pickle: other object types raise TypeError before
    anything is written.

    Saving to a path is atomic: the data goes to a temporary file in the same
    directory, which is flushed, fsync'ed and then renamed over `f`, so `f`
    holds either the old contents or the complete new ones, never a mix, even
    when saving fails or the process dies. A file-like object is simply written
    to at its current position. The pickle arguments are accepted for
    compatibility and ignored.
    """
    prefix, arrays = _build(obj)
    if not _is_path(f):
        if not hasattr(f, "write"):
            raise TypeError(f"ember.save: expected a path or a writable binary file object, got {type(f).__name__}")
        _write_all(f, prefix, arrays)
        return
    path = os.fsdecode(f)
    path = os.path.realpath(path)  # write through a symlink, as open() would
    directory = os.path.dirname(path) or "."
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never clobber; mode 0o666 under the umask, as open(path, "wb") would create.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_all(out, prefix, arrays)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # keep an existing file's permissions
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory):
    """Makes the rename durable (POSIX); best effort elsewhere."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


class _Corrupt(Exception):
    pass


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise _Corrupt(f"the header has the key {k!r} twice")
        d[k] = v
    return d


def _read_exact(f, n, what):
    """Reads exactly n bytes into a bytearray."""
    buf = bytearray(n)
    got = _read_into(f, memoryview(buf))
    if got != n:
        raise _Corrupt(f"the file is truncated: {what} needs {n} bytes, only {got} are there")
    return buf


def _parse_header(raw_len, f, size):
    n = int.from_bytes(raw_len, "little")
    if n == 0:
        raise _Corrupt("the header length is 0")
    if n > _MAX_HEADER:
        raise _Corrupt(f"the header length {n} is over the safetensors limit of {_MAX_HEADER} bytes "
                       "(not an ember/safetensors file?)")
    if size is not None and 8 + n > size:
        raise _Corrupt(f"the header length {n} runs past the end of the file ({size} bytes)")
    raw = _read_exact(f, n, "the header")
    if raw[:1] != b"{":
        raise _Corrupt("the header does not start with '{' (not an ember/safetensors file?)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _Corrupt(f"the header is not valid UTF-8 ({e.reason} at byte {8 + e.start})") from None
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise _Corrupt(f"the header is not valid JSON ({e.msg} at byte {8 + e.pos})") from None
    except RecursionError:
        raise _Corrupt("the header is nested too deeply") from None
    if not isinstance(header, dict):
        raise _Corrupt("the header is not a JSON object")
    return n, header


def _reject_constant(name):
    raise _Corrupt(f"the header contains the non-JSON constant {name}")


def _check_table(header):
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise _Corrupt("__metadata__ is not a map of strings to strings")
    entries = []
    for name, e in header.items():
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise _Corrupt(f"tensor '{name}': the entry must have exactly dtype, shape and data_offsets")
        dt, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if dt not in _DTYPES:
            if dt in _OTHER_SAFETENSORS_DTYPES:
                raise _Corrupt(f"tensor '{name}' has dtype {dt}, which ember does not support "
                               f"(supported: {', '.join(_DTYPES)})")
            raise _Corrupt(f"tensor '{name}' has an unknown dtype {dt!r}")
        if (not isinstance(shape, list) or
                not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)):
            raise _Corrupt(f"tensor '{name}': shape {shape!r} is not a list of non-negative ints")
        if (not isinstance(offs, list) or len(offs) != 2 or
                not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offs) or
                offs[0] > offs[1]):
            raise _Corrupt(f"tensor '{name}': data_offsets {offs!r} is not [begin, end] with 0 <= begin <= end")
        numel = math.prod(shape)
        itemsize = np.dtype(_DTYPES[dt][0]).itemsize
        if offs[1] - offs[0] != numel * itemsize:
            raise _Corrupt(f"tensor '{name}': data_offsets {offs} hold {offs[1] - offs[0]} bytes, but a {dt} "
                           f"tensor of shape {shape} needs {numel * itemsize}")
        entries.append((offs[0], offs[1], name, dt, shape))
    entries.sort(key=lambda x: (x[0], x[1]))
    end = 0
    for b, e, name, _, _ in entries:
        if b != end:
            what = "overlap" if b < end else "leave a gap"
            raise _Corrupt(f"tensor '{name}': data_offsets [{b}, {e}] {what} (expected to start at {end})")
        end = e
    return metadata, entries, end


def _resolve_device(map_location):
    """The device to move loaded tensors to, or None for the CPU (no move)."""
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return None  # saved tensors are loaded onto the CPU; mapping functions/dicts are ignored
    dev = map_location if isinstance(map_location, _ember.device) else _ember.device(str(map_location))
    return None if dev.type == "cpu" else dev


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads an object saved by ember.save from `f`, a path or a binary file-like
    object. Tensors come back as new contiguous CPU tensors (moved to
    `map_location` if it names another device; mapping functions and dicts are
    accepted and ignored). Loading never runs code, so `weights_only` is
    accepted and changes nothing; `mmap` and pickle arguments are accepted and
    ignored. A malformed or corrupted file raises RuntimeError naming the file
    and the problem.
    """
    if _is_path(f):
        path = os.fsdecode(f)
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            return _load_from(fh, path, size, map_location)
    if not hasattr(f, "read"):
        raise TypeError(f"ember.load: expected a path or a readable binary file object, got {type(f).__name__}")
    name = getattr(f, "name", None)
    label = name if isinstance(name, str) else f"<{type(f).__name__}>"
    return _load_from(f, label, None, map_location)


def _load_from(f, label, size, map_location):
    try:
        return _load(f, size, map_location)
    except _Corrupt as e:
        raise RuntimeError(f"ember.load: '{label}' is not a valid ember checkpoint: {e}") from None


def _load(f, size, map_location):
    if size is not None and size < 8:
        raise _Corrupt(f"the file is {size} bytes long, too short to hold a header"
                       + (" (empty file)" if size == 0 else ""))
    raw_len = _read_exact(f, 8, "the header length")
    n, header = _parse_header(raw_len, f, size)
    metadata, entries, data_len = _check_table(header)
    if size is not None and size != 8 + n + data_len:
        if size < 8 + n + data_len:
            raise _Corrupt(f"the file is truncated: the header describes {data_len} bytes of data, "
                           f"only {size - 8 - n} are there")
        raise _Corrupt(f"the file has {size - 8 - n - data_len} bytes after the last tensor's data")

    structure_text = crc_text = None
    # An ember file has all three ember_* keys; one that has only some of them
    # is damaged (a plain safetensors file from another tool has none).
    ember_keys = ("ember_format", "ember_structure", "ember_crc32")
    if metadata is not None and any(k in metadata for k in ember_keys):
        missing = [k for k in ember_keys if k not in metadata]
        if missing:
            raise _Corrupt(f"the ember metadata is incomplete: {', '.join(missing)} missing")
        if metadata["ember_format"] not in _READABLE_VERSIONS:
            raise _Corrupt(f"unsupported ember_format {metadata['ember_format']!r} "
                           f"(this ember reads format {_FORMAT_VERSION})")
        structure_text = metadata["ember_structure"]
        crc_text = metadata["ember_crc32"]
        check_meta = {k: v for k, v in metadata.items() if k != "ember_crc32"}
        table = {name: {"dtype": dt, "shape": shape, "data_offsets": [b, e]} for b, e, name, dt, shape in entries}
        crc = zlib.crc32(_canonical({"__metadata__": check_meta, **table}))
    else:
        crc = None

    device = _resolve_device(map_location)
    tensors = {}
    for b, e, name, dt, shape in entries:
        np_dtype = np.dtype(_DTYPES[dt][0])
        arr = np.empty(shape, dtype=np_dtype.newbyteorder("="))
        nbytes = e - b
        if nbytes:
            raw = memoryview(arr.reshape(-1).view(np.uint8))
            got = _read_into(f, raw)
            if got != nbytes:
                raise _Corrupt(f"the file is truncated: tensor '{name}' needs bytes {b}..{e} of the data, "
                               f"the data ends at {b + got}")
            if crc is not None:
                crc = zlib.crc32(raw, crc)
            if sys.byteorder == "big" and np_dtype.itemsize > 1:
                arr.byteswap(inplace=True)
            if dt == "BOOL" and arr.view(np.uint8).max() > 1:
                raise _Corrupt(f"tensor '{name}' (BOOL) holds bytes other than 0 and 1")
        if dt == "BF16":
            t = _ember.from_numpy((arr.astype(np.uint32) << 16).view(np.float32)).to(_ember.bfloat16)
        else:
            t = _ember.from_numpy(arr)
        if device is not None:
            t = t.to(device)
        tensors[name] = t

    if structure_text is None:
        return tensors  # a plain safetensors file: {name: tensor}
    if f"{crc:08x}" != crc_text:
        raise _Corrupt(f"checksum mismatch (stored {crc_text}, computed {crc:08x}): the file is corrupted")
    try:
        structure = json.loads(structure_text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise _Corrupt(f"ember_structure is not valid JSON ({e.msg} at position {e.pos})") from None
    except RecursionError:
        raise _Corrupt("ember_structure is nested too deeply") from None
    try:
        return _Decoder(tensors).decode(structure)
    except RecursionError:
        raise _Corrupt("ember_structure is nested too deeply") from None


def _read_into(f, view):
    """Fills `view` from f; returns the number of bytes read (less at end of file)."""
    got = 0
    n = len(view)
    readinto = getattr(f, "readinto", None)
    while got < n:
        if readinto is not None:
            k = readinto(view[got:])
        else:
            chunk = f.read(n - got)
            k = len(chunk) if chunk else 0
            if k:
                view[got:got + k] = chunk
        if not k:
            break
        got += k
    return got


class _Decoder:
    def __init__(self, tensors):
        self.tensors = tensors
        self.made = {}  # a reference's JSON -> the object it loaded as (one object per saved tensor)

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise _Corrupt(f"ember_structure has a malformed node {_short(node)}")
        tag = node["t"]
        if tag == "tensor":
            return self._tensor(node)
        v = node.get("v")
        if tag == "tuple" and isinstance(v, list):
            return tuple(self.decode(x) for x in v)
        if tag in ("dict", "odict") and isinstance(v, list):
            out = collections.OrderedDict() if tag == "odict" else {}
            for item in v:
                if not isinstance(item, list) or len(item) != 2:
                    raise _Corrupt(f"ember_structure has a malformed dict item {_short(item)}")
                key = self.decode(item[0])
                try:
                    hash(key)
                except TypeError:
                    raise _Corrupt(f"ember_structure has an unhashable dict key {_short(item[0])}") from None
                out[key] = self.decode(item[1])
            return out
        if tag == "float" and v in ("nan", "inf", "-inf"):
            return float(v)
        if tag == "bytes" and isinstance(v, str):
            try:
                return base64.b64decode(v.encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError):
                raise _Corrupt("ember_structure has malformed base64 bytes") from None
        if tag == "size" and isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            return _ember.Size(v)
        if tag == "dtype" and v in {attr for _, attr in _DTYPES.values()}:
            return getattr(_ember, v)
        if tag == "device" and isinstance(v, str):
            try:
                return _ember.device(v)
            except Exception as e:  # noqa: BLE001 - any parse error of the device string
                raise _Corrupt(f"ember_structure has an invalid device {v!r} ({e})") from None
        raise _Corrupt(f"ember_structure has an unknown or malformed node {_short(node)}")

    def _tensor(self, node):
        name = node.get("name")
        if not isinstance(name, str) or set(node) - {"t", "name", "requires_grad", "parameter", "view"}:
            raise _Corrupt(f"ember_structure has a malformed tensor reference {_short(node)}")
        key = json.dumps(node, sort_keys=True)
        if key in self.made:
            return self.made[key]
        t = self.tensors.get(name)
        if t is None:
            raise _Corrupt(f"ember_structure refers to a tensor '{name}' that the file does not hold")
        rg = node.get("requires_grad", False)
        param = node.get("parameter", False)
        if not isinstance(rg, bool) or not isinstance(param, bool):
            raise _Corrupt(f"ember_structure has a malformed tensor reference {_short(node)}")
        if rg and not t.is_floating_point():
            raise _Corrupt(f"tensor '{name}' is marked requires_grad but is not floating point")
        if "view" in node:
            t = _view_of(t, node["view"], name)
        if param:
            t = _parameter_type()(t, requires_grad=rg)
        elif rg and not t.requires_grad:
            t.requires_grad_(True)
        self.made[key] = t
        return t


def _view_of(base, view, name):
    """The view [offset, shape, strides] of the stored tensor `base`, checked to stay inside it."""
    def count(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0
    ok = (isinstance(view, list) and len(view) == 3 and count(view[0]) and isinstance(view[1], list)
          and isinstance(view[2], list) and len(view[1]) == len(view[2]) and all(map(count, view[1] + view[2])))
    if ok:
        offset, shape, strides = view
        extent = offset + sum((n - 1) * st for n, st in zip(shape, strides)) + 1
        ok = 0 in shape or extent <= base.numel()
    if not ok:
        raise _Corrupt(f"ember_structure has a malformed or out-of-range view of tensor '{name}': {_short(view)}")
    return base.detach().as_strided(shape, strides, base.storage_offset() + offset)


def _short(node):
    s = json.dumps(node)
    return s if len(s) <= 80 else s[:77] + "..."
