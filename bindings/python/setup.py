"""Build script: compiles the Rust core (the repository's Cargo.toml) as a plain C library.

The library has no Python bindings of its own (``Binding.NoBinding``): it is copied into the
package as ``everifin_webhook/_native.so`` and loaded with ctypes. Because it does not use the
Python C API, the wheel is tagged ``py3-none-<platform>``, and the file name has no interpreter tag
(setuptools-rust would name it as an extension module of the building Python,
``_native.cpython-311-x86_64-linux-gnu.so``, though any Python 3 loads it).

Cargo's output goes to ``build/cargo-target`` next to this file (or ``$CARGO_TARGET_DIR`` when
set; a relative one is relative to the repository root, as the repository's scripts take it), so
building the package never touches the repository's own ``target`` directory and leaves nothing in
the source tree outside ``build/`` and ``*.egg-info/``.

The licence files are the repository's ``LICENSE-MIT`` and ``LICENSE-APACHE``: ``license-files``
(pyproject.toml) can only name files inside this directory (PEP 639), so they are copied here for
the duration of the build and removed afterwards (``.gitignore`` lists them in case a build is
interrupted); the wheel has them in ``.dist-info/licenses/`` and ``License-File`` in METADATA.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent.parent / "Cargo.toml"

if not MANIFEST.is_file():
    raise SystemExit(
        f"everifin-webhook: the Rust crate was not found at {MANIFEST}. Build this package from a "
        "checkout of the everifin-webhook repository (pip install ./bindings/python); building "
        "from an sdist is not supported."
    )

LICENSE = "MIT OR Apache-2.0"
LICENSES = ("LICENSE-MIT", "LICENSE-APACHE")  # the names license-files in pyproject.toml gives


def copy_licenses() -> List[Path]:
    """Copy the repository's licence files next to pyproject.toml; return the copies made."""
    made: List[Path] = []
    for name in LICENSES:
        src, dst = MANIFEST.parent / name, HERE / name
        if not src.is_file():
            raise SystemExit(f"everifin-webhook: the licence file {src} is missing.")
        if dst.is_file() and dst.read_bytes() == src.read_bytes():
            continue  # already here (e.g. left by an interrupted build): not ours to remove
        shutil.copyfile(src, dst)
        made.append(dst)
    return made


CARGO_TARGET_DIR = str(
    MANIFEST.parent / os.environ["CARGO_TARGET_DIR"]
    if os.environ.get("CARGO_TARGET_DIR")
    else HERE / "build" / "cargo-target"
)


class BuildPlainLibrary(build_rust):
    """Name the library ``_native`` + the platform's plain suffix (``.so``; ``.pyd`` on Windows):
    not an extension module, so no interpreter tag in its name."""

    def run(self) -> None:
        # A library of an earlier build named otherwise (_native.cpython-311-...so) would be
        # packed next to the new one.
        build_lib = Path(self.get_finalized_command("build_ext").build_lib)
        for old in (build_lib / "everifin_webhook").glob("_native.*"):
            old.unlink()
        super().run()

    def get_dylib_ext_path(self, ext: RustExtension, target_fname: str) -> str:
        path = str(super().get_dylib_ext_path(ext, target_fname))
        folder, name = os.path.split(path)
        stem, suffix = name.split(".", 1)[0], name.rsplit(".", 1)[-1]
        return os.path.join(folder, f"{stem}.{suffix}")


class PlatformWheel(bdist_wheel):
    """The native library does not link against Python: any Python 3, this platform."""

    def get_tag(self) -> tuple[str, str, str]:
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


made = copy_licenses()
try:
    setup(
        # The License field (pyproject.toml says why not License-Expression): an SPDX expression.
        license=LICENSE,
        rust_extensions=[
            RustExtension(
                "everifin_webhook._native",
                path=str(MANIFEST),
                binding=Binding.NoBinding,
                py_limited_api=False,
                env={**os.environ, "CARGO_TARGET_DIR": CARGO_TARGET_DIR},
            )
        ],
        cmdclass={"bdist_wheel": PlatformWheel, "build_rust": BuildPlainLibrary},
    )
finally:
    for copy in made:
        copy.unlink(missing_ok=True)
