"""The wheel holds every subpackage: pyproject.toml lists packages by hand (the grammar
folder is mapped into the package), so a new subpackage left out of the list would be
missing from a non-editable install while every editable test still passed."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "starrating").rglob("__init__.py")
    }
    assert on_disk - listed == set()
    assert "starrating.grammar" in listed
    assert (ROOT / "grammar" / "policy.lark").exists()
