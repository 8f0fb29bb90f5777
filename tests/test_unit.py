"""Run every C unit test ($MAILSPEC_BUILD/tests/test_*) and read its summary."""

import os
import re

import pytest

from conftest import ROOT, UNIT_DIR, run_bounded


def _from_makefile():
    """Unit test names the Makefile declares (…_UNIT_TESTS := test_a test_b)."""
    try:
        text = (ROOT / "Makefile").read_text()
    except OSError:
        return set()
    names = set()
    for m in re.finditer(r"^\w*UNIT_TESTS\s*:?=((?:.*\\\n)*.*)$", text, re.M):
        names.update(re.findall(r"\btest_\w+", m.group(1)))
    return names


def _built():
    if not UNIT_DIR.is_dir():
        return set()
    return {
        p.name for p in UNIT_DIR.iterdir()
        if p.name.startswith("test_") and p.is_file() and os.access(p, os.X_OK)
    }


BUILT = _built()
NAMES = sorted(BUILT | _from_makefile())


@pytest.mark.parametrize("name", NAMES or ["<none>"])
def test_unit(name):
    if not BUILT:
        pytest.skip(f"no C unit tests built in {UNIT_DIR} (make BUILD=... unit-tests)")
    exe = UNIT_DIR / name
    if name not in BUILT:
        msg = f"{name} is declared in the Makefile but {exe} was not built"
        if os.environ.get("MAILSPEC_BUILD"):
            pytest.fail(msg)  # make test builds every unit test
        pytest.skip(msg)
    rc, out, err = run_bounded([exe], timeout=60)
    short = name[len("test_"):]
    m = re.search(rf"^unit: (?:{re.escape(name)}|{re.escape(short)}): (\d+) checks, (\d+) failed$",
                  out, re.M)
    assert m, f"no summary line 'unit: {name}: N checks, N failed' in stdout:\n{out}\n{err}"
    checks, failed = int(m.group(1)), int(m.group(2))
    assert failed == 0, f"{failed} checks failed:\n{err}"
    assert checks > 0, "the unit test ran no checks"
    assert rc == 0, f"exit {rc}\n{out}\n{err}"
