"""Loading the native library and declaring the C ABI for ctypes.

Every function of the C ABI used by this package is declared in ``SIGNATURES`` with its argument
and result types; ``tests/test_abi.py`` checks the table against ``include/everifin_webhook.h``.

The library is loaded with :class:`ctypes.CDLL`, which releases the GIL for the duration of every
foreign call, so threads sharing one :class:`~everifin_webhook.Verifier` verify in parallel.

Lookup order (the first one that loads and has the expected ABI version wins):

1. the path in the environment variable ``EVERIFIN_WEBHOOK_LIB`` (a relative path is relative to
   the current directory, and made absolute before loading); when it is set, it is the only
   candidate (an explicit override that fails must not silently fall back to another library);
2. the library built into the installed package (``everifin_webhook/_native*.so``);
3. only when this package is imported from a source checkout (``<repo>/bindings/python/
   everifin_webhook``, ``<repo>`` holding ``Cargo.toml``; not an installed package):
   ``<target>/release/libeverifin_webhook.so``, then the ``debug`` build, in Cargo's output folder
   ``<target>``: ``$CARGO_TARGET_DIR`` when set (a relative one is relative to ``<repo>``, as the
   repository's scripts take it), else ``<repo>/target``. Only that folder: with
   ``CARGO_TARGET_DIR`` set, cargo does not build into ``<repo>/target``, so a library found there
   would be an old one.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

__all__ = [
    "ABI_VERSION",
    "ENV_VAR",
    "SIGNATURES",
    "Lib",
    "ResultPtr",
    "VerifierPtr",
    "load",
]

ABI_VERSION = 1
ENV_VAR = "EVERIFIN_WEBHOOK_LIB"


# The opaque handles ``evf_verifier *`` and ``evf_result *`` are declared as ``c_void_p``: ctypes
# returns such a pointer as a plain ``int`` (``None`` for NULL) and takes an ``int`` back, while a
# ``POINTER(Structure)`` type builds a pointer object for every result and checks its type on
# every argument (about 2 µs per verify on the reference machine, as much as the rest of the call
# overhead). The Python layer never dereferences them; it passes them back as they came.
VerifierPtr = ctypes.c_void_p  # evf_verifier * (opaque)
ResultPtr = ctypes.c_void_p  # evf_result * (opaque)

_c_status = ctypes.c_int32  # evf_status
_in_str = ctypes.c_char_p  # const char * input (pointer + length, never NUL-terminated)
_out_buf = ctypes.POINTER(ctypes.c_char)  # char * the library writes into (a c_char array)

CType = Any  # a ctypes type object (mypy has no common public base for them)

# name -> (restype, argtypes). Keep in the order of the header.
SIGNATURES: Dict[str, Tuple[Optional[CType], Tuple[CType, ...]]] = {
    "evf_version": (ctypes.c_char_p, ()),
    "evf_abi_version": (ctypes.c_uint32, ()),
    "evf_status_name": (ctypes.c_char_p, (_c_status,)),
    "evf_status_http_status": (ctypes.c_int32, (_c_status,)),
    "evf_options_check": (ResultPtr, (_in_str, ctypes.c_size_t)),
    "evf_verifier_new": (
        _c_status,
        (_in_str, ctypes.c_size_t, ctypes.POINTER(VerifierPtr)),
    ),
    "evf_verifier_free": (None, (VerifierPtr,)),
    "evf_verifier_process": (
        ResultPtr,
        (VerifierPtr, _in_str, ctypes.c_size_t, _in_str, ctypes.c_size_t, ctypes.c_int64),
    ),
    # Declared for completeness; verify() uses evf_verifier_process (a verifier may serve several
    # threads at once, and one shared buffer would need a lock; a buffer made per call measured no
    # faster than the two calls it saves).
    "evf_verifier_process_into": (
        ctypes.c_size_t,
        (
            VerifierPtr,
            _in_str,
            ctypes.c_size_t,
            _in_str,
            ctypes.c_size_t,
            ctypes.c_int64,
            _out_buf,
            ctypes.c_size_t,
        ),
    ),
    "evf_normalize": (ResultPtr, (_in_str, ctypes.c_size_t, _in_str, ctypes.c_size_t)),
    "evf_decide": (ResultPtr, (_in_str, ctypes.c_size_t, _in_str, ctypes.c_size_t)),
    "evf_sign": (
        ResultPtr,
        (_in_str, ctypes.c_size_t, _in_str, ctypes.c_size_t, _in_str, ctypes.c_size_t),
    ),
    "evf_explain": (
        ResultPtr,
        (
            _in_str,
            ctypes.c_size_t,
            _in_str,
            ctypes.c_size_t,
            _in_str,
            ctypes.c_size_t,
            ctypes.c_int64,
        ),
    ),
    "evf_result_status": (_c_status, (ResultPtr,)),
    # Borrowed, NUL-terminated: c_char_p copies it into a bytes object (up to the NUL; JSON text
    # never contains a raw NUL, and the raw layer checks the length against evf_result_json_len).
    "evf_result_json": (ctypes.c_char_p, (ResultPtr,)),
    "evf_result_json_len": (ctypes.c_size_t, (ResultPtr,)),
    "evf_result_free": (None, (ResultPtr,)),
}


class Lib:
    """The loaded library with every function of ``SIGNATURES`` declared.

    The functions are plain attributes so that tests can wrap them (e.g. to count frees).
    """

    evf_version: Callable[[], Optional[bytes]]
    evf_abi_version: Callable[[], int]
    evf_status_name: Callable[[int], Optional[bytes]]
    evf_status_http_status: Callable[[int], int]
    evf_options_check: Callable[..., Any]
    evf_verifier_new: Callable[..., int]
    evf_verifier_free: Callable[[Any], None]
    evf_verifier_process: Callable[..., Any]
    evf_verifier_process_into: Callable[..., int]
    evf_normalize: Callable[..., Any]
    evf_decide: Callable[..., Any]
    evf_sign: Callable[..., Any]
    evf_explain: Callable[..., Any]
    evf_result_status: Callable[[Any], int]
    evf_result_json: Callable[[Any], Optional[bytes]]
    evf_result_json_len: Callable[[Any], int]
    evf_result_free: Callable[[Any], None]

    def __init__(self, dll: ctypes.CDLL, path: str) -> None:
        self.dll = dll
        self.path = path
        for name, (restype, argtypes) in SIGNATURES.items():
            fn = getattr(dll, name)  # AttributeError when the symbol is missing
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name, fn)


def _package_candidates() -> List[Path]:
    here = Path(__file__).resolve().parent
    found = sorted(here.glob("_native*.so")) + sorted(here.glob("_native*.dylib"))
    found += sorted(here.glob("_native*.pyd")) + sorted(here.glob("_native*.dll"))
    if found:
        return found
    return [here / "_native<EXT_SUFFIX>.so"]  # reported as "not found"


def _cargo_target_dir(repo: Path) -> Path:
    """Cargo's output folder for the checkout ``repo``: ``$CARGO_TARGET_DIR`` when set and not
    empty (relative to ``repo`` when relative), else ``repo/target``."""
    return repo / (os.environ.get("CARGO_TARGET_DIR") or "target")


def _checkout_root() -> Optional[Path]:
    """The repository when this package is imported from a source checkout (it is
    ``<repo>/bindings/python/everifin_webhook`` and ``<repo>`` has the crate's ``Cargo.toml``),
    else None (an installed package)."""
    here = Path(__file__).resolve().parent
    repo = here.parent.parent.parent
    if here.parent.name == "python" and here.parent.parent.name == "bindings":
        if (here.parent / "pyproject.toml").is_file() and (repo / "Cargo.toml").is_file():
            return repo
    return None


def _dev_candidates() -> List[Path]:
    repo = _checkout_root()
    if repo is None:
        return []
    name = {"darwin": "libeverifin_webhook.dylib", "win32": "everifin_webhook.dll"}.get(
        sys.platform, "libeverifin_webhook.so"
    )
    target = _cargo_target_dir(repo)
    return [target / "release" / name, target / "debug" / name]


def candidates() -> List[Tuple[str, str]]:
    """The paths to try, in order, each with where it came from."""
    override = os.environ.get(ENV_VAR)
    if override:
        return [(override, f"${ENV_VAR}")]  # made absolute by load(), like every path it tries
    out = [(str(p), "installed package") for p in _package_candidates()]
    out += [(str(p), "source checkout") for p in _dev_candidates()]
    return out


def _try_load(path: str, dll_type: Type[ctypes.CDLL]) -> Lib:
    """Load ``path``, an absolute path (see :func:`load`)."""
    if not os.path.exists(path):
        raise OSError("file not found")
    dll = dll_type(path)
    try:
        lib = Lib(dll, path)
    except AttributeError as exc:
        raise OSError(f"not the everifin-webhook library or too old ({exc})") from None
    abi = lib.evf_abi_version()
    if abi != ABI_VERSION:
        raise OSError(
            f"ABI version {abi}, this package needs ABI version {ABI_VERSION} "
            "(rebuild the library or reinstall the package)"
        )
    return lib


def load(dll_type: Type[ctypes.CDLL] = ctypes.CDLL, paths: Optional[Sequence[str]] = None) -> Lib:
    """Load the library; raise ImportError listing every path tried and why it failed.

    ``dll_type`` and ``paths`` exist for tests (e.g. ``ctypes.PyDLL``, which keeps the GIL).
    """
    tried = [(p, "given") for p in paths] if paths is not None else candidates()
    failures: List[str] = []
    for given, origin in tried:
        # Absolute, so that the file checked is the file loaded (CDLL looks a name without a slash
        # up on the loader's search path) and library_path() names it.
        path = os.path.abspath(given)
        try:
            return _try_load(path, dll_type)
        except OSError as exc:
            failures.append(f"  - {path} ({origin}): {exc}")
    if paths is None and os.environ.get(ENV_VAR):
        advice = f"Correct {ENV_VAR}, or unset it to use the library inside the package."
    elif _checkout_root() is not None:
        advice = (
            "In this source checkout, build the library (cargo build --release --lib) or install "
            f"the package (pip install ./bindings/python builds it into the package), or set "
            f"{ENV_VAR} to the path of libeverifin_webhook.so."
        )
    else:
        advice = (
            "The package's own library is missing or damaged: reinstall the package (pip install "
            "--force-reinstall with the wheel for this platform), or set "
            f"{ENV_VAR} to the path of libeverifin_webhook.so (e.g. from the C SDK)."
        )
    raise ImportError(
        "everifin_webhook: cannot load the native everifin-webhook library.\n"
        "Paths tried:\n" + "\n".join(failures) + "\n" + advice
    )
