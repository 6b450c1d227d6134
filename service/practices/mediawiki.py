"""Reading a MediaWiki XML export: each page's newest revision becomes sheet fields.

The export is untrusted XML, read with `defusedxml` (no entity expansion, no external
entities); the wikitext is parsed with `mwparserfromhell` (the rules in `service.practices.wiki`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import mwparserfromhell
from defusedxml import ElementTree
from mwparserfromhell.wikicode import Wikicode

from service.practices.wiki_fields import (
    FIELD_OF_HEADING,
    ExportError,
    ParsedPage,
    finish_page,
    heading_key,
    set_field,
)
from service.reference import search_key

DROPPED_LINKS = ("fichier", "file", "image", "media", "categorie", "category")
DROPPED_TAGS = (
    "ref", "references", "gallery", "nowiki", "math", "score", "syntaxhighlight", "table",
)  # fmt: skip
_MAGIC = re.compile(r"__[A-Z]+__")
_HTML = re.compile(r"<[^>\n]{1,200}>")
_EMPTY_BRACKETS = re.compile(r"\s*\((?:voir|cf\.?)?\s*\)")
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])(?=\s|$)")
_LIST_ITEM = re.compile(r"^([#*]+)\s*(.*)$")


# -------------------------------------------------------------------------------- MediaWiki
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def clean_wikitext(code: Wikicode | str) -> str:
    """Wiki markup to plain text: templates, references, files, categories, comments, magic
    words and HTML dropped; links become their label; bold and italics their text."""
    code = mwparserfromhell.parse(str(code))
    for template in code.filter_templates(recursive=False):
        _remove(code, template)
    for tag in code.filter_tags(matches=lambda n: str(n.tag).lower() in DROPPED_TAGS):
        _remove(code, tag)
    for link in code.filter_wikilinks():
        target = search_key(str(link.title)).lstrip(":")
        if target.split(":", 1)[0] in DROPPED_LINKS and ":" in target:
            _remove(code, link)
    for comment in code.filter_comments():
        _remove(code, comment)
    text = code.strip_code(normalize=True, collapse=True)
    text = _EMPTY_BRACKETS.sub("", _HTML.sub("", _MAGIC.sub("", text)))
    lines = [_SPACE_BEFORE.sub(r"\1", " ".join(line.split())) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _remove(code: Wikicode, node: Any) -> None:
    with contextlib.suppress(ValueError):  # already gone with its parent
        code.remove(node)


def _steps_of(section: Wikicode) -> list[str]:
    """List items of a section (nested items joined to their parent), else its sub-sections."""
    steps: list[str] = []
    body = str(section)
    for line in body.splitlines():
        item = _LIST_ITEM.match(line.strip())
        if not item:
            continue
        text = clean_wikitext(item.group(2))
        if not text:
            continue
        if len(item.group(1)) > 1 and steps:
            steps[-1] = f"{steps[-1]} — {text}"
        else:
            steps.append(text)
    if steps:
        return steps
    for sub in section.get_sections(levels=[3]):
        heading = sub.filter_headings(recursive=False)
        title = clean_wikitext(heading[0].title) if heading else ""
        for node in heading:
            _remove(sub, node)
        text = clean_wikitext(sub)
        steps.append(f"{title} : {text}" if title and text else title or text)
    if steps:
        return [s for s in steps if s]
    return [p for p in clean_wikitext(section).split("\n") if p]


def wiki_page(title: str, text: str) -> ParsedPage:
    """The sheet fields of one wiki page (see the module docstring)."""
    page = ParsedPage(key=f"wiki:{title}", title=title)
    errors: list[str] = []
    code = mwparserfromhell.parse(text)
    for template in code.filter_templates(recursive=False):
        for param in template.params:
            kind = FIELD_OF_HEADING.get(heading_key(str(param.name)))
            if kind is None:
                continue
            value = clean_wikitext(param.value)
            if kind == "steps":
                value = [v for v in value.split("\n") if v]  # type: ignore[assignment]
            set_field(page.values, errors, kind, value)
    sections = code.get_sections(levels=[2])
    lead = code.get_sections(flat=True, include_lead=True, include_headings=False)
    if lead and not str(code).lstrip().startswith("=="):
        summary = clean_wikitext(lead[0])
        if summary:
            page.values["summary"] = summary
    extra: list[str] = []
    for section in sections:
        headings = section.filter_headings(recursive=False)
        heading = clean_wikitext(headings[0].title) if headings else ""
        kind = FIELD_OF_HEADING.get(heading_key(heading))
        body = mwparserfromhell.parse(str(section))
        for node in body.filter_headings(recursive=False)[:1]:
            _remove(body, node)
        if kind == "steps":
            page.values["steps"] = _steps_of(body)
        elif kind is not None:
            set_field(page.values, errors, kind, clean_wikitext(body))
        else:
            text_ = clean_wikitext(body)
            if text_:
                extra.append(f"{heading} : {text_}" if heading else text_)
    if extra:
        set_field(page.values, errors, "summary", "\n\n".join(extra))
    return finish_page(page, errors)


def parse_mediawiki(data: bytes) -> Iterator[ParsedPage]:
    """Every page of a MediaWiki XML export (newest revision), in file order."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ExportError(f"XML illisible : {exc}") from None
    except Exception as exc:  # defusedxml refuses entities and DTDs: an untrusted file
        raise ExportError(f"export refusé : {type(exc).__name__}") from None
    if _local(root.tag) != "mediawiki":
        raise ExportError("ce n'est pas un export MediaWiki (élément racine <mediawiki>)")
    for element in root:
        if _local(element.tag) != "page":
            continue
        title_node, ns_node = _child(element, "title"), _child(element, "ns")
        title = (title_node.text or "").strip() if title_node is not None else ""
        revisions = [child for child in element if _local(child.tag) == "revision"]
        text_node = _child(revisions[-1], "text") if revisions else None
        text = (text_node.text or "") if text_node is not None else ""
        if ns_node is not None and (ns_node.text or "0").strip() != "0":
            yield ParsedPage(f"wiki:{title}", title, skipped="page hors de l'espace principal")
        elif _child(element, "redirect") is not None or text.lstrip().upper().startswith(
            "#REDIRECT"
        ):
            yield ParsedPage(f"wiki:{title}", title, skipped="redirection")
        elif not text.strip():
            yield ParsedPage(f"wiki:{title}", title, error="page vide")
        else:
            yield wiki_page(title, text)
