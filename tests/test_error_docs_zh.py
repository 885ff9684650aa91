"""Keep docs/errors.zh-CN.md a faithful Chinese version of docs/errors.md.

A manager who reads only Chinese fixes a policy from the Chinese page, so it must explain
the same codes, in the same order, with the same examples:

- every code heading of the English page is in the Chinese page, in the same order;
- every policy example (```text blocks that are not diagnostic output, ```policy and
  ```yaml blocks) is the same in both pages, `#` comments aside;
- every diagnostic output block of the Chinese page has as many lines as the English
  block at the same position (its lines are replaced by their Chinese form, line by line,
  from golden files run with --lang zh-CN, so they must correspond one to one);
- the two pages link to each other, and every `#anchor` link of the Chinese page leads to
  one of its headings.
"""

from __future__ import annotations

import re

from conftest import ROOT

ENGLISH = ROOT / "docs" / "errors.md"
CHINESE = ROOT / "docs" / "errors.zh-CN.md"

CODE_HEADING = re.compile(r"^#{2,4} +([EW]\d{3})\b", re.MULTILINE)
HEADING = re.compile(r"^#{1,6} +(.+)$", re.MULTILINE)
# A fenced block with its info string; ```json and bare ``` blocks are neither examples nor
# diagnostics in the sense of this file.
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXAMPLE_KINDS = {"text", "policy", "yaml"}
# The frame of a diagnostic stays English in every language, so it identifies an output
# block in both pages; a caret line ("  |", "6 |   ...") belongs to a diagnostic too.
DIAGNOSTIC_LINE = re.compile(r"^\S+: (?:error|warning)\[[EW]\d{3}\]: |^help: ")
ANCHOR_LINK = re.compile(r"\]\(#([^)]+)\)")


def read(path) -> str:
    return path.read_text("utf-8")


def is_output(block: str) -> bool:
    return any(DIAGNOSTIC_LINE.match(line) for line in block.splitlines())


def output_blocks(text: str) -> list[str]:
    return [body for kind, body in BLOCK.findall(text) if kind == "text" and is_output(body)]


def example_blocks(text: str) -> list[str]:
    return [
        body
        for kind, body in BLOCK.findall(text)
        if kind in EXAMPLE_KINDS and not (kind == "text" and is_output(body))
    ]


def without_comments(block: str) -> str:
    # A translated comment is allowed; the policy text around it is not.
    lines = (re.sub(r"\s*#.*$", "", line) for line in block.splitlines())
    return "\n".join(line for line in lines if line.strip())


def github_anchor(heading: str) -> str:
    # GitHub's rule: lower case, drop punctuation (full-width too, and backticks), keep
    # letters, digits (Chinese included), '-' and '_', turn spaces into '-'.
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_pages_are_found_by_the_patterns() -> None:
    # Guards the regexes: with no blocks found, the comparisons below would pass vacuously.
    english = read(ENGLISH)
    assert len(CODE_HEADING.findall(english)) > 60
    assert len(output_blocks(english)) > 70
    assert len(example_blocks(english)) > 90


def test_every_code_is_explained_in_the_same_order() -> None:
    assert CODE_HEADING.findall(read(CHINESE)) == CODE_HEADING.findall(read(ENGLISH))


def test_code_headings_are_translated() -> None:
    # "### E001 — <中文标题>": a heading left in English is a section left untranslated.
    untranslated = [
        line
        for line in read(CHINESE).splitlines()
        if CODE_HEADING.match(line) and not re.search(r"[\u4e00-\u9fff]", line)
    ]
    assert not untranslated, "code headings without Chinese:\n" + "\n".join(untranslated)


def test_policy_examples_are_the_same() -> None:
    english = [without_comments(block) for block in example_blocks(read(ENGLISH))]
    chinese = [without_comments(block) for block in example_blocks(read(CHINESE))]
    assert len(chinese) == len(english), "the pages show a different number of examples"
    differing = [(en, zh) for en, zh in zip(english, chinese, strict=True) if en != zh]
    assert not differing, "examples that differ (English, then Chinese):\n" + "\n---\n".join(
        f"{en}\n~~~\n{zh}" for en, zh in differing
    )


def test_output_blocks_correspond_line_for_line() -> None:
    english = output_blocks(read(ENGLISH))
    chinese = output_blocks(read(CHINESE))
    assert len(chinese) == len(english), "the pages quote a different number of outputs"
    differing = [
        f"block {index}: {len(en.splitlines())} English lines, {len(zh.splitlines())} Chinese"
        for index, (en, zh) in enumerate(zip(english, chinese, strict=True))
        if len(en.splitlines()) != len(zh.splitlines())
    ]
    assert not differing, "\n".join(differing)


def test_output_blocks_keep_the_diagnostic_frame() -> None:
    # Editors and CI read FILE:LINE:COL: error[CODE]: and help: whatever the language.
    english = output_blocks(read(ENGLISH))
    chinese = output_blocks(read(CHINESE))
    for en, zh in zip(english, chinese, strict=True):
        for en_line, zh_line in zip(en.splitlines(), zh.splitlines(), strict=True):
            assert bool(DIAGNOSTIC_LINE.match(en_line)) == bool(DIAGNOSTIC_LINE.match(zh_line))
            frame = DIAGNOSTIC_LINE.match(en_line)
            if frame:
                assert zh_line.startswith(frame.group(0)), zh_line


def test_the_pages_link_to_each_other() -> None:
    assert read(ENGLISH).startswith("中文版：[errors.zh-CN.md](errors.zh-CN.md)\n")
    assert read(CHINESE).startswith("English: [errors.md](errors.md)\n")


def test_anchor_links_of_the_chinese_page_lead_to_its_headings() -> None:
    text = read(CHINESE)
    anchors = {github_anchor(heading) for heading in HEADING.findall(text)}
    links = ANCHOR_LINK.findall(text)
    assert len(links) >= 11  # the contents list alone has eleven
    broken = [link for link in links if link not in anchors]
    assert not broken, f"anchors with no heading: {broken}"


def test_the_english_anchors_follow_the_same_rule() -> None:
    # Checks github_anchor itself on the page whose anchors are known to work.
    text = read(ENGLISH)
    anchors = {github_anchor(heading) for heading in HEADING.findall(text)}
    assert set(ANCHOR_LINK.findall(text)) <= anchors


GOLDEN_CHINESE = ROOT / "tests" / "golden" / "diagnostics-zh-CN"


def test_chinese_quotes_are_real_chinese_output() -> None:
    """Every diagnostic line quoted on the Chinese page is a line of a golden case run
    with `--lang zh-CN`, with its message in Chinese: the page shows what a Chinese reader
    sees, not English."""
    shown = {
        line
        for path in GOLDEN_CHINESE.rglob("*.expected")
        for line in path.read_text("utf-8").splitlines()
    }
    quoted = [
        line
        for kind, body in BLOCK.findall(read(CHINESE))
        if kind == "text"
        for line in body.splitlines()
        if DIAGNOSTIC_LINE.match(line)
    ]
    assert len(quoted) > 100
    assert [line for line in quoted if line not in shown] == []
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert [line for line in quoted if not cjk.search(line)] == []
