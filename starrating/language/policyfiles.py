"""Finding, reading and checking policy files: the library behind `check` and `fmt`.

Enters: paths (files or folders) and an optional catalog path. Leaves: each policy file's
text, parsed and checked policy and diagnostics; ``PolicyPathError`` for a path that names
no policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _
from . import ast as A
from .catalog import Catalog, find_catalog, load_catalog
from .checker import Analysis, check_policy
from .diagnostics import Diagnostic, error
from .parser import parse

POLICY_SUFFIX = ".policy"


class PolicyPathError(Exception):
    """A path on the command line that names no policy (a usage error)."""


@dataclass
class PolicyFile:
    path: str
    source: str
    policy: A.Policy | None = None
    analysis: Analysis | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def expand_paths(paths: list[str]) -> list[Path]:
    """Files as given; folders become their ``*.policy`` files (sorted, not recursive)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix == POLICY_SUFFIX and p.is_file())
            if not inside:
                raise PolicyPathError(
                    _("no {suffix} files in the folder {folder}").format(
                        suffix=POLICY_SUFFIX, folder=raw
                    )
                )
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise PolicyPathError(_("no such file or folder: {path}").format(path=raw))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)  # the same file named twice is checked once
    return list(unique.values())


def read_policy(path: Path) -> PolicyFile:
    """Read and parse one file; unreadable or non-UTF-8 files become E004 diagnostics."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = error(
            "E004", _("cannot read the file: {reason}").format(reason=exc.strerror or exc), None
        )
        return PolicyFile(name, "", diagnostics=[problem.with_file(name)])
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problem = error(
            "E004",
            _(
                "this is not UTF-8 text: line {line}, byte {column} of the line cannot be read"
            ).format(line=line, column=column),
            None,
            _("save the policy as UTF-8 (it was probably saved as GBK or another legacy encoding)"),
        )
        return PolicyFile(name, "", diagnostics=[problem.with_file(name)])
    result = parse(source, name)
    return PolicyFile(name, source, result.policy, diagnostics=list(result.diagnostics))


def resolve_catalog(explicit: str | None) -> tuple[Catalog | None, list[Diagnostic]]:
    """The catalog named on the command line, else ``starrating.yaml`` found from the cwd."""
    path = Path(explicit) if explicit else find_catalog()
    if path is None:
        return None, []
    if not path.is_file():
        raise PolicyPathError(_("no catalog file at {path}").format(path=path))
    return load_catalog(path)


def check_files(paths: list[Path], catalog: Catalog | None) -> list[PolicyFile]:
    """Parse and check every file, then the checks that span files (versions)."""
    files = [read_policy(p) for p in paths]
    for item in files:
        if item.policy is None:
            continue
        result = check_policy(item.policy, catalog, item.path)
        item.diagnostics.extend(result.diagnostics)
        item.analysis = result.analysis
    _check_versions(files)
    return files


def _check_versions(files: list[PolicyFile]) -> None:
    # docs/language.md section 2: two versions of one policy with the same `effective` date
    # leave no way to choose between them.
    seen: dict[tuple[str, str | None], PolicyFile] = {}
    for item in files:
        if item.policy is None:
            continue
        key = (item.policy.name, item.policy.effective)
        if key in seen:
            other = seen[key]
            if key[1]:
                message = _(
                    'another version of "{policy}" has the same `effective` date ({date}): {file}'
                ).format(policy=key[0], date=key[1], file=other.path)
            else:
                message = _(
                    'another version of "{policy}" has no `effective` date either: {file}'
                ).format(policy=key[0], file=other.path)
            item.diagnostics.append(
                error(
                    "E037",
                    message,
                    item.policy.name_span,
                    _("give each version its own `effective` date, or rename the policy"),
                ).with_file(item.path)
            )
            continue
        seen[key] = item
