"""ember.save / ember.load: round trips, atomic saving, corrupt files, and the
safetensors format rules (checked by hand here; also by the `safetensors`
package when it is installed)."""
import collections
import io
import json
import math
import os
import pathlib
import stat
import zlib

import numpy as np
import pytest

import ember
import ember.serialization as serialization
from ember.serialization import load, save  # ember.save / ember.load once ember/__init__.py imports them

DTYPES = {ember.float32: np.float32, ember.float64: np.float64, ember.int64: np.int64, ember.int32: np.int32,
          ember.bool: np.bool_}
ST_NAMES = {ember.float32: "F32", ember.float64: "F64", ember.int64: "I64", ember.int32: "I32", ember.bool: "BOOL"}
SHAPES = [(), (0,), (1,), (5,), (2, 3), (2, 0, 4), (3, 1, 4), (2, 3, 4, 5)]


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    npd = DTYPES[dtype]
    if dtype in (ember.float32, ember.float64):
        a = rng.standard_normal(n).astype(npd)
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, np.finfo(npd).tiny, np.finfo(npd).max], dtype=npd)
        a[:min(n, len(specials))] = specials[:n]
    elif dtype == ember.bool:
        a = rng.integers(0, 2, n).astype(np.bool_)
    else:
        info = np.iinfo(npd)
        a = rng.integers(info.min, info.max, n, dtype=npd, endpoint=True)
        a[:min(n, 2)] = [info.min, info.max][:n]
    return ember.tensor(a.reshape(shape), dtype=dtype)


def same(a, b):
    assert isinstance(b, ember.Tensor)
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    assert np.ascontiguousarray(a.detach().numpy()).tobytes() == np.ascontiguousarray(b.detach().numpy()).tobytes()


def roundtrip(obj, tmp_path):
    p = tmp_path / "obj.ember"
    save(obj, p)
    out = load(p)
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    out2 = load(buf)
    assert p.read_bytes() == buf.getvalue()  # same bytes either way
    return out, out2


# --- round trips --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(DTYPES), ids=lambda d: str(d).split(".")[-1])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_tensor_roundtrip(dtype, shape, tmp_path):
    t = sample(shape, dtype)
    for out in roundtrip(t, tmp_path):
        same(t, out)
        assert out.is_contiguous()


@pytest.mark.parametrize("dtype", list(DTYPES), ids=lambda d: str(d).split(".")[-1])
def test_noncontiguous_views_roundtrip(dtype, tmp_path):
    base = sample((4, 6), dtype, seed=1)
    views = {
        "t": base.t(),
        "step": base[:, ::2],
        "narrow": base.narrow(1, 2, 3),
        "row": base[2],
        "expand": base[0:1].expand(3, 6),
        "permute": sample((2, 3, 4), dtype, seed=2).permute(2, 0, 1),
        "scalar_of_view": base[1, 3],
    }
    for out in roundtrip(views, tmp_path):
        assert list(out) == list(views)
        for k, v in views.items():
            same(v.contiguous(), out[k])
            assert out[k].is_contiguous()


def _stored_names(tmp_path):
    raw = (tmp_path / "obj.ember").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return [k for k in json.loads(raw[8:8 + n]) if k != "__metadata__"]


def test_views_load_sharing_memory_as_in_pytorch(tmp_path):
    x = ember.arange(6.).reshape(2, 3)
    out, _ = roundtrip({"x": x, "row": x[1], "t": x.t(), "flat": x.view(6)[1:5]}, tmp_path)
    assert _stored_names(tmp_path) == ["x"]  # the others are views of it
    assert out["row"].tolist() == [3.0, 4.0, 5.0] and out["t"].tolist() == [[0, 3], [1, 4], [2, 5]]
    out["x"].add_(100.0)
    assert out["row"].tolist() == [103.0, 104.0, 105.0]
    assert out["t"][2, 1].item() == 105.0 and out["flat"].tolist() == [101.0, 102.0, 103.0, 104.0]
    # A view saved without the tensor holding it is stored as it is; so is a non-contiguous host.
    out, _ = roundtrip({"row": x[1], "col": x[:, 1]}, tmp_path)
    assert sorted(_stored_names(tmp_path)) == ["col", "row"]
    assert out["row"].tolist() == [3.0, 4.0, 5.0] and out["col"].tolist() == [1.0, 4.0]
    # The same tensor object referenced twice is stored once and loads as one object.
    out, _ = roundtrip({"a": x, "b": [x, x]}, tmp_path)
    assert out["a"] is out["b"][0] is out["b"][1]
    assert len(_stored_names(tmp_path)) == 1


def test_parameters_load_as_parameters(tmp_path):
    p = ember.nn.Parameter(ember.ones(2))
    q = ember.nn.Parameter(ember.zeros(3), requires_grad=False)
    out, _ = roundtrip([p, q, p, ember.ones(1)], tmp_path)
    assert type(out[0]) is ember.nn.Parameter and out[0].requires_grad and out[0].tolist() == [1.0, 1.0]
    assert type(out[1]) is ember.nn.Parameter and not out[1].requires_grad
    assert out[0] is out[2] and type(out[3]) is ember.Tensor


def test_a_view_reaching_outside_its_host_is_refused(tmp_path):
    x = ember.arange(6.)
    roundtrip({"x": x, "v": x[2:4]}, tmp_path)
    path = tmp_path / "obj.ember"
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    structure = header["__metadata__"]["ember_structure"].replace('"view":[2,[2],[1]]', '"view":[5,[2],[1]]')
    assert structure != header["__metadata__"]["ember_structure"]
    header["__metadata__"]["ember_structure"] = structure
    meta = {k: v for k, v in header["__metadata__"].items() if k != "ember_crc32"}
    table = {k: v for k, v in header.items() if k != "__metadata__"}
    crc = zlib.crc32(json.dumps({"__metadata__": meta, **table}, sort_keys=True, separators=(",", ":")).encode())
    crc = zlib.crc32(raw[8 + n:], crc)
    header["__metadata__"]["ember_crc32"] = f"{crc:08x}"
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n:])
    with pytest.raises(RuntimeError, match="out-of-range view of tensor 'x'"):
        ember.load(path)


def test_loaded_tensors_are_independent(tmp_path):
    x = ember.ones(3)
    out, _ = roundtrip(x, tmp_path)
    out.mul_(2.0)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_requires_grad_is_kept(tmp_path):
    w = ember.randn(2, 2).requires_grad_()
    out, _ = roundtrip({"w": w, "b": ember.zeros(2)}, tmp_path)
    assert out["w"].requires_grad and out["w"].is_leaf and not out["b"].requires_grad
    same(w, out["w"])


def test_nested_structures_roundtrip(tmp_path):
    obj = {
        "none": None, "t": True, "f": False, "int": -7, "big": 2**70, "neg_big": -(2**64) - 1,
        "float": 0.1, "one": 1.0, "negzero": -0.0, "tiny": 5e-324, "inf": math.inf, "ninf": -math.inf,
        "str": "héllo \u2603 \"quoted\" \\ \n", "": "empty key", "bytes": b"\x00\xff\x10",
        "list": [1, [2, [3, []]], ()], "tuple": (1, "a", (2.5, None)), "empty": {},
        5: "int key", -1: {0: "nested int keys"}, (1, 2): "tuple key", 2.5: "float key", None: "none key",
        "od": collections.OrderedDict([("z", 1), ("a", 2)]),
        "dtypes": [ember.float32, ember.float64, ember.int64, ember.int32, ember.bool],
        "device": ember.device("cpu"), "size": ember.Size([2, 3]),
        "tensors": [ember.tensor([1, 2]), (ember.tensor(3.5),), {"deep": {"er": ember.zeros(0, 2)}}],
    }
    for out in roundtrip(obj, tmp_path):
        assert list(out) == list(obj)
        for k in obj:
            if k in ("tensors",):
                continue
            assert type(out[k]) is type(obj[k]), k
            assert out[k] == obj[k] or (isinstance(obj[k], float) and math.isnan(obj[k])), k
        assert math.copysign(1.0, out["negzero"]) == -1.0
        assert isinstance(out["od"], collections.OrderedDict) and list(out["od"]) == ["z", "a"]
        assert isinstance(out["size"], ember.Size)
        assert isinstance(out["list"][2], tuple) and isinstance(out["tuple"][2], tuple)
        assert isinstance(out["tensors"][1], tuple)
        same(obj["tensors"][0], out["tensors"][0])
        same(obj["tensors"][1][0], out["tensors"][1][0])
        same(obj["tensors"][2]["deep"]["er"], out["tensors"][2]["deep"]["er"])
    nan_out, _ = roundtrip({"nan": math.nan}, tmp_path)
    assert math.isnan(nan_out["nan"])
    for scalar in (None, 3, "s", 2.5, []):
        out, _ = roundtrip(scalar, tmp_path)
        assert out == scalar


def test_optimizer_like_state_dict(tmp_path):
    params = [ember.randn(4, 3), ember.randn(4)]
    model_sd = collections.OrderedDict([("fc.weight", params[0]), ("fc.bias", params[1])])
    opt_sd = {
        "state": {0: {"step": ember.tensor(10.0), "exp_avg": ember.randn(4, 3), "exp_avg_sq": ember.rand(4, 3)},
                  1: {"step": ember.tensor(10.0), "exp_avg": ember.randn(4), "exp_avg_sq": ember.rand(4)}},
        "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.0,
                          "amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                          "differentiable": False, "fused": None, "params": [0, 1]}],
    }
    ckpt = {"epoch": 7, "model": model_sd, "optimizer": opt_sd, "loss_history": [0.9, 0.5, 0.25]}
    out, _ = roundtrip(ckpt, tmp_path)
    assert out["epoch"] == 7 and out["loss_history"] == [0.9, 0.5, 0.25]
    assert isinstance(out["model"], collections.OrderedDict) and list(out["model"]) == ["fc.weight", "fc.bias"]
    for k in model_sd:
        same(model_sd[k], out["model"][k])
    assert list(out["optimizer"]["state"]) == [0, 1]
    for i in (0, 1):
        for k, v in opt_sd["state"][i].items():
            same(v, out["optimizer"]["state"][i][k])
    assert out["optimizer"]["param_groups"] == opt_sd["param_groups"]
    assert isinstance(out["optimizer"]["param_groups"][0]["betas"], tuple)
    # Tensor names in the file are their paths, as a safetensors tool would list them.
    names = _header(tmp_path / "obj.ember")[0]
    assert {"model.fc.weight", "model.fc.bias", "optimizer.state.0.exp_avg", "optimizer.state.1.step"} <= set(names)


def test_file_like_and_keyword_args(tmp_path):
    buf = io.BytesIO()
    save({"a": ember.ones(2)}, buf)
    save([ember.zeros(3), 4], buf)  # two objects one after the other in one stream
    buf.seek(0)
    first = load(buf, map_location="cpu", weights_only=True)
    second = load(buf, map_location=ember.device("cpu"), weights_only=False)
    assert first["a"].tolist() == [1.0, 1.0] and second[0].tolist() == [0.0, 0.0, 0.0] and second[1] == 4
    p = tmp_path / "f.ember"
    with open(p, "wb") as fh:
        save(ember.arange(3), fh)
    with open(p, "rb") as fh:
        assert load(fh, map_location=lambda s, loc: s).tolist() == [0, 1, 2]
    assert load(str(p), map_location={"cuda:0": "cpu"}).tolist() == [0, 1, 2]
    with pytest.raises(TypeError):
        save(1, 12345)
    with pytest.raises(TypeError):
        load(12345)


# --- unsupported objects and atomic saving ------------------------------------------------

@pytest.mark.parametrize("bad", [object(), {1, 2}, len, np.zeros(2), {"k": [1, object()]}, {ember.ones(1): 1},
                                 {frozenset(): 1}, 1 + 2j],
                         ids=["object", "set", "function", "ndarray", "nested_object", "tensor_key",
                              "frozenset_key", "complex"])
def test_unsupported_types_raise_type_error(bad, tmp_path):
    with pytest.raises(TypeError, match="ember.save"):
        save(bad, tmp_path / "x.ember")
    assert os.listdir(tmp_path) == []


def test_cycles_raise():
    a = []
    a.append(a)
    with pytest.raises(ValueError, match="contains itself"):
        save(a, io.BytesIO())


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    p = tmp_path / "ckpt.ember"
    save({"w": ember.ones(3)}, p)
    old = p.read_bytes()
    with pytest.raises(TypeError):
        save({"w": ember.zeros(3), "oops": object()}, p)
    assert p.read_bytes() == old and sorted(os.listdir(tmp_path)) == ["ckpt.ember"]

    def write_half_then_fail(f, prefix, arrays):
        f.write(prefix[: len(prefix) // 2])
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(serialization, "_write_all", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save({"w": ember.zeros(1000)}, p)
    assert p.read_bytes() == old and sorted(os.listdir(tmp_path)) == ["ckpt.ember"]
    monkeypatch.undo()
    assert load(p)["w"].tolist() == [1.0, 1.0, 1.0]

    def interrupted(f, prefix, arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({"w": ember.zeros(1)}, p)
    assert p.read_bytes() == old and sorted(os.listdir(tmp_path)) == ["ckpt.ember"]


def test_save_replaces_and_keeps_permissions_and_symlinks(tmp_path):
    p = tmp_path / "ckpt.ember"
    save(ember.ones(2), p)
    os.chmod(p, 0o640)
    save(ember.zeros(2), p)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640
    assert load(p).tolist() == [0.0, 0.0]
    link = tmp_path / "latest"
    os.symlink(p.name, link)
    save(ember.full((2,), 3.0), link)
    assert os.path.islink(link) and load(p).tolist() == [3.0, 3.0]
    assert sorted(os.listdir(tmp_path)) == ["ckpt.ember", "latest"]
    save(ember.ones(1), str(tmp_path / "s.ember"))  # str paths too
    assert load(os.fsencode(str(tmp_path / "s.ember"))).tolist() == [1.0]


# --- the format ---------------------------------------------------------------------------

def _header(path):
    raw = pathlib.Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__")
    return header, meta, raw[8 + n:], n


def test_file_follows_safetensors_rules(tmp_path):
    tensors = {f"{ST_NAMES[d]}_{i}": sample(s, d, seed=i) for d in DTYPES for i, s in enumerate([(), (0, 3), (2, 3)])}
    obj = {"tensors": tensors, "meta": {"step": 3}}
    p = tmp_path / "f.safetensors"
    save(obj, p)
    header, meta, data, n = _header(p)
    assert (8 + n) % 8 == 0  # data aligned, header padded with spaces
    raw = p.read_bytes()
    assert raw[8:8 + n].rstrip(b" ").endswith(b"}") and raw[8:9] == b"{"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    assert meta["format"] == "pt" and meta["ember_format"] == "2"
    json.loads(meta["ember_structure"])  # a JSON string
    spans = sorted(tuple(e["data_offsets"]) for e in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # contiguous, no gaps, no overlap
    for key, t in tensors.items():
        e = header[f"tensors.{key}"]
        assert e["dtype"] == ST_NAMES[t.dtype] and e["shape"] == list(t.shape)
        b, end = e["data_offsets"]
        expected = np.ascontiguousarray(t.numpy()).astype(np.dtype(DTYPES[t.dtype]).newbyteorder("<")).tobytes()
        assert data[b:end] == expected
    # The checksum is the documented one.
    canon = json.dumps({"__metadata__": {k: v for k, v in meta.items() if k != "ember_crc32"}, **header},
                       sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    assert f"{zlib.crc32(data, zlib.crc32(canon)):08x}" == meta["ember_crc32"]


def test_readable_by_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    tensors = {"w": sample((3, 4), ember.float32), "i": sample((5,), ember.int64), "b": sample((2, 2), ember.bool),
               "d": sample((), ember.float64), "e": sample((0,), ember.int32)}
    save(tensors, tmp_path / "m.safetensors")
    loaded = st.load_file(str(tmp_path / "m.safetensors"))
    assert set(loaded) == set(tensors)
    for k, t in tensors.items():
        assert np.array_equal(loaded[k], t.numpy(), equal_nan=t.is_floating_point())
        assert loaded[k].dtype == DTYPES[t.dtype]
    # And the other way: a file written by the package loads as {name: tensor}.
    st.save_file({"x": np.arange(6, dtype=np.float32).reshape(2, 3), "y": np.array([True, False])},
                 str(tmp_path / "other.safetensors"))
    out = load(tmp_path / "other.safetensors")
    assert out["x"].dtype == ember.float32 and out["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["y"].tolist() == [True, False]


def write_raw(path, header, data=b"", pad=True):
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-(8 + len(h)) % 8)
    pathlib.Path(path).write_bytes(len(h).to_bytes(8, "little") + h + data)


def test_plain_safetensors_file_loads_as_dict(tmp_path):
    data = np.array([1.5, 2.5], "<f8").tobytes() + np.array([7], "<i4").tobytes()
    write_raw(tmp_path / "p.st", {"__metadata__": {"source": "elsewhere"},
                                  "b": {"dtype": "I32", "shape": [1], "data_offsets": [16, 20]},
                                  "a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}, data)
    out = load(tmp_path / "p.st")
    assert list(out) == ["a", "b"] and out["a"].tolist() == [1.5, 2.5] and out["b"].dtype == ember.int32


# --- corrupt files ------------------------------------------------------------------------

def reference_file(tmp_path):
    p = tmp_path / "ref.ember"
    save({"model": {"w": ember.randn(3, 2), "b": ember.tensor([1, 2, 3]), "m": ember.tensor([True, False])},
          "step": 5, "name": "ref"}, p)
    return p, p.read_bytes()


def expect_corrupt(path, *patterns):
    with pytest.raises(RuntimeError) as ei:
        load(path)
    msg = str(ei.value)
    assert str(path) in msg, msg
    for pat in patterns:
        assert pat in msg, msg
    return msg


def test_truncated_at_every_point(tmp_path):
    p, raw = reference_file(tmp_path)
    bad = tmp_path / "cut.ember"
    for cut in range(len(raw)):
        bad.write_bytes(raw[:cut])
        expect_corrupt(bad)
        with pytest.raises(RuntimeError):
            load(io.BytesIO(raw[:cut]))
    bad.write_bytes(raw[:3])
    expect_corrupt(bad, "too short")
    bad.write_bytes(raw[:-1])
    expect_corrupt(bad, "truncated")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.ember"
    p.write_bytes(b"")
    expect_corrupt(p, "empty file")
    with pytest.raises(RuntimeError):
        load(io.BytesIO(b""))


def test_flipped_header_bytes(tmp_path):
    p, raw = reference_file(tmp_path)
    n = int.from_bytes(raw[:8], "little")
    bad = tmp_path / "flip.ember"
    for pos in range(8 + n):
        for mask in (0x01, 0x20, 0xFF):
            b = bytearray(raw)
            b[pos] ^= mask
            bad.write_bytes(bytes(b))
            expect_corrupt(bad)


def test_flipped_data_bytes_fail_the_checksum(tmp_path):
    p, raw = reference_file(tmp_path)
    n = int.from_bytes(raw[:8], "little")
    bad = tmp_path / "flip.ember"
    for pos in range(8 + n, len(raw)):
        b = bytearray(raw)
        b[pos] ^= 0x01
        bad.write_bytes(bytes(b))
        expect_corrupt(bad)  # checksum mismatch, or a BOOL byte that is neither 0 nor 1
    b = bytearray(raw)
    b[8 + n] ^= 0x40  # inside the first float
    bad.write_bytes(bytes(b))
    expect_corrupt(bad, "checksum mismatch")


def test_random_bytes_and_other_formats(tmp_path):
    rng = np.random.default_rng(123)
    bad = tmp_path / "junk.bin"
    for size in (1, 7, 8, 9, 16, 100, 4096):
        for _ in range(5):
            bad.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
            expect_corrupt(bad)
    for payload in (b"PK\x03\x04" + b"\x00" * 60,                # a zip (torch.save's format)
                    b"\x80\x04\x95" + b"\x00" * 40,              # a pickle
                    b'{"a": 1}',                                  # bare JSON
                    (5).to_bytes(8, "little") + b"hello",         # header not JSON
                    (2).to_bytes(8, "little") + b"[]",            # JSON, not an object
                    (2**63).to_bytes(8, "little") + b"{}"):       # absurd header length
        bad.write_bytes(payload)
        expect_corrupt(bad)


def test_bad_headers(tmp_path):
    p = tmp_path / "h.st"
    f32 = np.zeros(2, "<f4").tobytes()
    cases = {
        "runs past": {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},  # no data at all
        "hold 8 bytes": {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
        "gap": {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}},
        "overlap": {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}},
        "I8": {"a": {"dtype": "I8", "shape": [8], "data_offsets": [0, 8]}},
        "unknown dtype": {"a": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}},
        "shape": {"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}},
        "data_offsets": {"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}},
        "exactly dtype": {"a": {"dtype": "F32", "shape": [2]}},
        "__metadata__": {"__metadata__": {"x": 1}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
    }
    for pattern, header in cases.items():
        write_raw(p, header, b"" if pattern == "runs past" else f32)
        if pattern == "runs past":
            expect_corrupt(p, "truncated")
        else:
            expect_corrupt(p, pattern)
    # Offsets far out of range, and bytes after the last tensor.
    write_raw(p, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [2**60, 2**60 + 8]}}, f32)
    expect_corrupt(p)
    write_raw(p, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, f32 + b"xx")
    expect_corrupt(p, "after the last tensor")
    # Duplicate keys, non-JSON constants, invalid UTF-8.
    h = b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    p.write_bytes(len(h).to_bytes(8, "little") + h + f32)
    expect_corrupt(p, "twice")
    h = b'{"a":NaN}'
    p.write_bytes(len(h).to_bytes(8, "little") + h)
    expect_corrupt(p, "NaN")
    h = b'{"\xff":1}'
    p.write_bytes(len(h).to_bytes(8, "little") + h)
    expect_corrupt(p, "UTF-8")
    # BOOL bytes other than 0/1.
    write_raw(p, {"m": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07")
    expect_corrupt(p, "BOOL")


def _ember_file(path, structure, tensors=(), fmt="1", crc=True):
    """Writes a file with the given ember_structure text and a correct checksum."""
    table, data = {}, b""
    for name, arr in tensors:
        b = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        table[name] = {"dtype": {"f": "F32"}[arr.dtype.kind], "shape": list(arr.shape),
                       "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    meta = {"format": "pt", "ember_format": fmt, "ember_structure": structure}
    canon = json.dumps({"__metadata__": meta, **table}, sort_keys=True, separators=(",", ":"),
                       ensure_ascii=True).encode()
    if crc:
        meta = dict(meta, ember_crc32=f"{zlib.crc32(data, zlib.crc32(canon)):08x}")
    write_raw(path, {"__metadata__": meta, **table}, data)


def test_bad_structures(tmp_path):
    p = tmp_path / "s.ember"
    one = [("w", np.ones(2, np.float32))]
    _ember_file(p, '{"t":"tensor","name":"w"}', one)
    assert load(p).tolist() == [1.0, 1.0]  # the helper writes valid files
    for structure, pattern in [
        ('{"t":"tensor","name":"missing"}', "does not hold"),
        ('{"t":"pickle","v":"cos\\nsystem"}', "unknown or malformed"),
        ('{"t":"dict","v":[[["unhashable"],1]]}', "unhashable"),
        ('{"t":"dict","v":[[1]]}', "malformed dict item"),
        ('{"no_tag":1}', "malformed node"),
        ('{"t":"tensor","name":"w","extra":1}', "malformed tensor reference"),
        ('{"t":"float","v":"1e999"}', "unknown or malformed"),
        ('{"t":"bytes","v":"***"}', "base64"),
        ('{"t":"device","v":"nonsense:device"}', "invalid device"),
        ('[1, 2', "not valid JSON"),
        ('[' * 100000 + ']' * 100000, "nested too deeply"),
        ('{"t":"tuple","v":' * 50000 + '[]' + '}' * 50000, "nested too deeply"),
    ]:
        _ember_file(p, structure, one)
        expect_corrupt(p, pattern)
    _ember_file(p, '{"t":"tensor","name":"w"}', one, fmt="99")
    expect_corrupt(p, "unsupported ember_format")
    _ember_file(p, '{"t":"tensor","name":"w"}', one, crc=False)
    expect_corrupt(p, "ember_crc32 missing")


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.ember")
