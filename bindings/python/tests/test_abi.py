"""The ctypes declarations match the C header: every function of include/everifin_webhook.h is
declared with argtypes and restype of the right C types, and the loaded library has them."""

from __future__ import annotations

import ctypes
import re
from typing import Any, Dict, List, Tuple

import pytest

import everifin_webhook as ew
from everifin_webhook import _core, _lib
from helpers import REPO_ROOT

HEADER = REPO_ROOT / "include" / "everifin_webhook.h"


def parse_header() -> Dict[str, Tuple[str, List[str]]]:
    text = HEADER.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^\s*#[^\n]*", " ", text, flags=re.M)
    text = re.sub(r"\s+", " ", text)
    protos: Dict[str, Tuple[str, List[str]]] = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(evf_\w+)\s*\(([^()]*)\)\s*;", text):
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        if ret.startswith("typedef"):
            continue
        args: List[str] = []
        if params and params != "void":
            for p in params.split(","):
                p = p.strip()
                # drop the parameter name: the last identifier
                p = re.sub(r"\b\w+$", "", p).strip()
                args.append(re.sub(r"\s*\*", "*", p))
        protos[name] = (re.sub(r"\s*\*", "*", ret), args)
    return protos


C_TYPES: Dict[str, Tuple[Any, ...]] = {
    "void": (None,),
    "const char*": (ctypes.c_char_p, ctypes.c_void_p),
    "char*": (ctypes.POINTER(ctypes.c_char),),
    "size_t": (ctypes.c_size_t,),
    "uint32_t": (ctypes.c_uint32,),
    "int32_t": (ctypes.c_int32,),
    "evf_status": (ctypes.c_int32,),
    "int64_t": (ctypes.c_int64,),
    "struct evf_verifier**": (ctypes.POINTER(_lib.VerifierPtr),),
    "struct evf_verifier*": (_lib.VerifierPtr,),
    "const struct evf_verifier*": (_lib.VerifierPtr,),
    "struct evf_result*": (_lib.ResultPtr,),
    "const struct evf_result*": (_lib.ResultPtr,),
}

PROTOS = parse_header()


def test_header_parsed() -> None:
    # The parser found the functions of the design (guards against a parser that finds nothing).
    for name in ("evf_verifier_process", "evf_decide", "evf_sign", "evf_result_free"):
        assert name in PROTOS
    assert PROTOS["evf_verifier_process"][1] == [
        "const struct evf_verifier*",
        "const char*",
        "size_t",
        "const char*",
        "size_t",
        "int64_t",
    ]


def test_every_header_function_is_declared() -> None:
    assert set(PROTOS) == set(_lib.SIGNATURES), (
        "functions in the header but not declared in _lib.SIGNATURES: "
        f"{sorted(set(PROTOS) - set(_lib.SIGNATURES))}; declared but not in the header: "
        f"{sorted(set(_lib.SIGNATURES) - set(PROTOS))}"
    )


@pytest.mark.parametrize("name", sorted(PROTOS))
def test_declaration_matches_header(name: str) -> None:
    ret, args = PROTOS[name]
    restype, argtypes = _lib.SIGNATURES[name]
    assert ret in C_TYPES, f"unmapped C type {ret!r}"
    assert restype in C_TYPES[ret], f"{name}: restype {restype} for {ret}"
    assert len(argtypes) == len(args), f"{name}: {len(argtypes)} argtypes for {args}"
    for i, (c_type, py_type) in enumerate(zip(args, argtypes)):
        assert c_type in C_TYPES, f"unmapped C type {c_type!r}"
        assert py_type in C_TYPES[c_type], f"{name} arg {i}: {py_type} for {c_type}"


@pytest.mark.parametrize("name", sorted(_lib.SIGNATURES))
def test_loaded_functions_have_argtypes_and_restype(name: str) -> None:
    lib = _core.lib()
    fn = getattr(lib, name)
    restype, argtypes = _lib.SIGNATURES[name]
    assert fn.argtypes is not None and tuple(fn.argtypes) == argtypes
    assert fn.restype is restype
    # The same function object is what the dll hands out: nothing calls an undeclared copy.
    assert getattr(lib.dll, name) is fn


def test_process_into_writes_what_process_returns() -> None:
    lib = _core.lib()
    body = b'{"eventId":"4e896aa3-bbba-4a75-a888-06bcfe403c99"}'
    secrets = b'["abi-test-secret"]'
    header = ew.sign(body, ["abi-test-secret"], timestamp="2024-05-07T14:49:55.887Z").encode()
    options = b'{"secrets":' + secrets + b"}"
    verifier = _lib.VerifierPtr()
    assert lib.evf_verifier_new(options, len(options), ctypes.byref(verifier)) == 0
    try:
        for b in (body, body + b" "):  # EVENT_INVALID, SIGNATURE_MISMATCH
            res = lib.evf_verifier_process(verifier, b, len(b), header, len(header), 1715093396000)
            want = lib.evf_result_json(res)
            lib.evf_result_free(res)
            buf = (ctypes.c_char * 4096)()
            n = lib.evf_verifier_process_into(
                verifier, b, len(b), header, len(header), 1715093396000, buf, len(buf)
            )
            assert want and n == len(want) and buf.raw[:n] == want
            short = ctypes.create_string_buffer(b"#" * 8, 8)
            assert lib.evf_verifier_process_into(
                verifier, b, len(b), header, len(header), 1715093396000, short, len(short)
            ) == len(want)
            assert short.raw == b"#" * 8
    finally:
        lib.evf_verifier_free(verifier)


def test_abi_and_version() -> None:
    assert ew.abi_version() == _lib.ABI_VERSION == 1
    m = re.search(r'#define EVF_VERSION "([^"]+)"', HEADER.read_text(encoding="utf-8"))
    assert m is not None
    assert ew.version() == m.group(1)
    # the package's versions follow the library's
    assert ew.__version__ == ew.version()
    pyproject = (REPO_ROOT / "bindings" / "python" / "pyproject.toml").read_text(encoding="utf-8")
    assert f'\nversion = "{ew.version()}"\n' in pyproject
    m = re.search(r"#define EVF_ABI_VERSION (\d+)", HEADER.read_text(encoding="utf-8"))
    assert m is not None and int(m.group(1)) == ew.abi_version()


def test_status_names_match_header() -> None:
    text = HEADER.read_text(encoding="utf-8")
    pairs = re.findall(r"#define EVF_(OK|ERR_\w+) (\d+)", text)
    assert len(pairs) == 15
    for macro, value in pairs:
        name = "OK" if macro == "OK" else macro[len("ERR_"):]
        assert ew.status_name(int(value)) == name
        if name != "OK":  # every error status belongs to a family
            assert ew.errors.error_class_for(name) is not ew.WebhookError, name
    assert ew.status_name(9999) == "UNKNOWN_STATUS"
    assert ew.status_http_status(9999) == 500
