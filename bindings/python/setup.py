"""Build script: compiles the Rust core (the repository's Cargo.toml) as a plain C library.

The library has no Python bindings of its own (``Binding.NoBinding``): it is copied into the
package as ``everifin_webhook/_native<EXT_SUFFIX>`` and loaded with ctypes. Because it does not use
the Python C API, the wheel is tagged ``py3-none-<platform>``.

Cargo's output goes to ``build/cargo-target`` next to this file (or ``$CARGO_TARGET_DIR`` when
set), so building the package never touches the repository's own ``target/`` directory and leaves
nothing in the source tree outside ``build/`` and ``*.egg-info/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import Binding, RustExtension

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent.parent / "Cargo.toml"

if not MANIFEST.is_file():
    raise SystemExit(
        f"everifin-webhook: the Rust crate was not found at {MANIFEST}. Build this package from a "
        "checkout of the everifin-webhook repository (pip install ./bindings/python); building "
        "from an sdist is not supported."
    )

CARGO_TARGET_DIR = os.environ.get("CARGO_TARGET_DIR") or str(HERE / "build" / "cargo-target")


class PlatformWheel(bdist_wheel):
    """The native library does not link against Python: any Python 3, this platform."""

    def get_tag(self) -> tuple[str, str, str]:
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


setup(
    rust_extensions=[
        RustExtension(
            "everifin_webhook._native",
            path=str(MANIFEST),
            binding=Binding.NoBinding,
            py_limited_api=False,
            env={**os.environ, "CARGO_TARGET_DIR": CARGO_TARGET_DIR},
        )
    ],
    cmdclass={"bdist_wheel": PlatformWheel},
)
