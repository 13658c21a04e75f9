"""The README's usage snippet runs, as written, on every Python the package claims: extracted from
README.md and run (with a stand-in for the shop's ``lock_order_row``) on the oldest Python of
``requires-python`` (found with pyenv or on PATH) and on the one running the tests; and its
annotations are checked (an AST check) for ``X | Y`` evaluated at runtime (a TypeError before
Python 3.10). The example of the package's docstring (``help(everifin_webhook)``) runs the same
way."""

from __future__ import annotations

import ast
import glob
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

import everifin_webhook as ew
from helpers import PY_ROOT

README = PY_ROOT / "README.md"


def snippet() -> str:
    text = README.read_text(encoding="utf-8")
    use = text.index("## Use\n")
    m = re.search(r"```python\n(.*?)```", text[use:], re.S)
    assert m is not None, "no python block in the README's Use section"
    return m.group(1)


def docstring_example() -> str:
    """The example of the package's docstring: the indented block after its first ``::``."""
    doc = ew.__doc__
    assert doc is not None
    lines = doc[doc.index("::\n") + 3 :].splitlines()
    block: List[str] = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    code = textwrap.dedent("\n".join(block)).strip() + "\n"
    assert "def handle(" in code and "state_json()" in code, code
    return code


def oldest_claimed() -> Tuple[int, int]:
    m = re.search(
        r'^requires-python = ">=(\d+)\.(\d+)"$',
        (PY_ROOT / "pyproject.toml").read_text(encoding="utf-8"),
        re.M,
    )
    assert m is not None, "requires-python not found in pyproject.toml"
    return int(m.group(1)), int(m.group(2))


def find_python(version: Tuple[int, int]) -> Optional[str]:
    name = f"python{version[0]}.{version[1]}"
    candidates: List[str] = []
    found = shutil.which(name)
    if found:
        candidates.append(found)
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    for root in filter(None, roots):
        candidates += sorted(glob.glob(f"{root}/versions/{version[0]}.{version[1]}.*/bin/{name}"))
    for path in candidates:
        probe = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if probe.returncode == 0 and probe.stdout.strip() == "%d.%d" % version:
            return path
    return None


DRIVER = '''
import contextlib, hashlib, hmac, json, sys
from datetime import datetime, timezone


class Order:
    payment_state = "new"
    webhook_state = "{}"


ORDER = Order()


@contextlib.contextmanager
def lock_order_row(reference):
    assert reference == "order-1001", reference
    yield ORDER


namespace = {"lock_order_row": lock_order_row}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), "README snippet", "exec"), namespace)
handler = namespace["everifin_webhook"]

body = json.dumps({
    "eventId": "c2949dfe-4585-46eb-9213-35f0f7faf055", "eventType": "payment.statusChange",
    "eventTimestamp": "2024-05-07T14:49:55.884Z",
    "data": {"paymentId": "da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21", "status": "BOOKED",
             "externalId": "order-1001"},
}).encode()
now = datetime.now(timezone.utc)
ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
secret = b"hook secret from the Back Office"
header = "ts=%s;v0=%s" % (ts, hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest())

answer, status = handler(body, header)
DECIDED = {"received": True, "decision": {"action": "apply", "reason": "first"},
           "orderOutcome": "paid"}
assert (answer, status) == (DECIDED, 200), (answer, status)
assert ORDER.payment_state == "paid" and json.loads(ORDER.webhook_state)["status"] == "BOOKED"
answer, status = handler(body, header)
DECIDED["decision"] = {"action": "skip", "reason": "duplicate"}
assert (answer, status) == (DECIDED, 200), (answer, status)
answer, status = handler(body, None)
assert status == 401 and answer["error"] == "HEADER_MISSING", answer
print("README snippet OK on Python %d.%d" % sys.version_info[:2])
'''


# The docstring's example: handle(raw_body, signature_header, order) with the secret "hook secret".
DOCSTRING_DRIVER = '''
import hashlib, hmac, json, sys
from datetime import datetime, timezone


class Order:
    payment_state = "new"
    webhook_state = "{}"


namespace = {}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), "docstring example", "exec"), namespace)
handle = namespace["handle"]

body = json.dumps({
    "eventId": "c2949dfe-4585-46eb-9213-35f0f7faf055", "eventType": "payment.statusChange",
    "eventTimestamp": "2024-05-07T14:49:55.884Z",
    "data": {"paymentId": "da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21", "status": "BOOKED"},
}).encode()
now = datetime.now(timezone.utc)
ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
header = "ts=%s;v0=%s" % (ts, hmac.new(b"hook secret", ts.encode() + b"." + body,
                                       hashlib.sha256).hexdigest())
order = Order()
answer, status = handle(body, header, order)
DECIDED = {"received": True, "decision": {"action": "apply", "reason": "first"},
           "orderOutcome": "paid"}
assert (answer, status) == (DECIDED, 200), (answer, status)
assert order.payment_state == "paid", order.payment_state
assert isinstance(order.webhook_state, str) and json.loads(order.webhook_state)["status"] == "BOOKED"
answer, status = handle(body, header, order)
DECIDED["decision"] = {"action": "skip", "reason": "duplicate"}
assert (answer, status) == (DECIDED, 200), (answer, status)
forged = "ts=%s;v0=%s" % (ts, hmac.new(b"not the secret", ts.encode() + b"." + body,
                                       hashlib.sha256).hexdigest())
answer, status = handle(body, forged, order)
assert status == 401 and answer["error"] == "SIGNATURE_MISMATCH", answer
print("docstring example OK on Python %d.%d" % sys.version_info[:2])
'''


def run_snippet(
    python: str, tmp_path: Path, code: Optional[str] = None, driver: str = DRIVER
) -> str:
    """Run ``code`` (default: the README's snippet) with ``driver`` on ``python``."""
    # The installed package is pure Python plus a library loaded with ctypes: a copy of it runs on
    # any Python 3 (the wheel is tagged py3-none). The library that is loaded here is named.
    pkg = Path(ew.__file__).resolve().parent
    site = tmp_path / "site"
    shutil.copytree(pkg, site / "everifin_webhook", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "snippet.py").write_text(snippet() if code is None else code, encoding="utf-8")
    (tmp_path / "driver.py").write_text(driver, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONPATH=str(site), EVERIFIN_WEBHOOK_LIB=ew.library_path(),
               PYTHONDONTWRITEBYTECODE="1")  # fmt: skip
    proc = subprocess.run(
        [python, "-B", str(tmp_path / "driver.py"), str(tmp_path / "snippet.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, f"{python}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


def test_snippet_runs_on_this_python(tmp_path: Path) -> None:
    assert "README snippet OK" in run_snippet(sys.executable, tmp_path)


def test_snippet_runs_on_the_oldest_claimed_python(tmp_path: Path) -> None:
    oldest = oldest_claimed()
    python = find_python(oldest)
    if python is None:
        msg = "Python %d.%d not found (pyenv or PATH)" % oldest
        if os.environ.get("EVERIFIN_REQUIRE_OLDEST_PYTHON"):
            pytest.fail(msg)
        pytest.skip(msg)
    out = run_snippet(python, tmp_path)
    assert "README snippet OK on Python %d.%d" % oldest in out


def test_docstring_example_runs(tmp_path: Path) -> None:
    out = run_snippet(sys.executable, tmp_path, docstring_example(), DOCSTRING_DRIVER)
    assert "docstring example OK" in out
    oldest = oldest_claimed()
    python = find_python(oldest)
    if python is not None:  # (the README's snippet test reports a missing oldest Python)
        older = run_snippet(python, tmp_path / "oldest", docstring_example(), DOCSTRING_DRIVER)
        assert "docstring example OK on Python %d.%d" % oldest in older
    assert runtime_unions(docstring_example()) == []


def runtime_unions(code: str) -> List[str]:
    """Annotations that Python evaluates when the function is defined and that use ``X | Y``
    (a TypeError before 3.10), unless the code has ``from __future__ import annotations``."""
    tree = ast.parse(code)
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            if any(a.name == "annotations" for a in stmt.names):
                return []
    found: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            annotations = [a.annotation for a in args] + [node.returns]
            for ann in filter(None, annotations):
                if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr)
                       for n in ast.walk(ann)):  # fmt: skip
                    found.append(f"{node.name}: {ast.unparse(ann)}")
    return found


def test_snippet_annotations_run_on_the_oldest_claimed_python() -> None:
    # Always checked, also where no older Python is installed to run the snippet with.
    code = snippet()
    assert oldest_claimed() < (3, 10)
    assert runtime_unions(code) == []
    # the check catches what broke the snippet on 3.9 before: a runtime `str | None`
    broken = code.replace("Optional[str]", "str | None")
    assert broken != code
    assert runtime_unions(broken) == ["everifin_webhook: str | None"]


def test_the_documents_the_readme_names_ship_in_the_sdk() -> None:
    """The README is the wheel's description: the documents it names are where it says a wheel
    user finds them, in the C SDK's share/doc/everifin-webhook/ (scripts/dist.sh
    SDK_LINKED_DOCS)."""
    text = README.read_text(encoding="utf-8")
    dist = (PY_ROOT.parent.parent / "scripts" / "dist.sh").read_text(encoding="utf-8")
    m = re.search(r"^SDK_LINKED_DOCS=\((.*?)\)", dist, re.M | re.S)
    assert m is not None, "SDK_LINKED_DOCS not found in scripts/dist.sh"
    shipped = set(m.group(1).split())
    assert "`share/doc/everifin-webhook/` folder at those paths" in text
    named = set(re.findall(r"\bdocs/[a-z_]+\.md\b", text))
    named |= {"tests/vectors/README.md", "tests/vectors/statuses.json"}
    assert named <= shipped, named - shipped
    # the vector files it names that do not ship are said to be in the source repository only
    if set(re.findall(r"\btests/vectors/[a-z_]+\.json\b", text)) - shipped:
        assert "The other vector files\n(`tests/vectors/*.json`)" in text
