"""Reading a zip of Markdown files: front matter and `##` sections become sheet fields
(the rules in `service.practices.wiki`), the body read with `markdown-it-py`."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import yaml
from markdown_it import MarkdownIt

from service.practices.wiki_fields import (
    FIELD_OF_HEADING,
    FRONT_MATTER_FIELDS,
    ExportError,
    ParsedPage,
    finish_page,
    heading_key,
    set_field,
)

MAX_ZIP_FILES = 5000
MAX_UNCOMPRESSED = 64 * 1024 * 1024

# --------------------------------------------------------------------------------- Markdown
_md = MarkdownIt("commonmark")


def _inline_text(token: Any) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _blocks(body: str) -> list[tuple[str, int, str]]:
    """("heading", level, text), ("item", depth, text) and ("para", 0, text) of a body."""
    blocks: list[tuple[str, int, str]] = []
    depth = 0
    tokens = _md.parse(body)
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline":
            previous = tokens[i - 1]
            text = _inline_text(token)
            if not text:
                continue
            if previous.type == "heading_open":
                blocks.append(("heading", int(previous.tag[1]), text))
            elif depth > 0:
                if blocks and blocks[-1][0] == "item" and tokens[i - 2].type != "list_item_open":
                    kind, level, before = blocks[-1]
                    blocks[-1] = (kind, level, f"{before} {text}")
                else:
                    blocks.append(("item", depth, text))
            else:
                blocks.append(("para", 0, text))
    return blocks


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    end = re.search(r"^(---|\.\.\.)\s*$", text[3:], flags=re.M)
    if end is None:
        raise ValueError("en-tête YAML non fermé (ligne --- manquante)")
    head, body = text[3 : 3 + end.start()], text[3 + end.end() :]
    try:
        data = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"en-tête YAML illisible ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ValueError("l'en-tête YAML doit être une suite de champs « nom: valeur »")
    return data, body


def markdown_page(path: str, text: str) -> ParsedPage:
    """The sheet fields of one Markdown file (see the module docstring)."""
    page = ParsedPage(key=f"md:{path}", title="")
    errors: list[str] = []
    try:
        meta, body = _front_matter(text)
    except ValueError as exc:
        page.title = PurePosixPath(path).stem
        page.error = str(exc)
        return page
    for name, value in meta.items():
        kind = FRONT_MATTER_FIELDS.get(heading_key(str(name)).replace(" ", "_"))
        if kind == "id":
            page.key = f"md:{value}"
        elif kind == "title":
            page.title = str(value)
        elif kind in ("themes", "status", "licence"):
            page.values[kind] = value
        elif kind == "steps" and isinstance(value, list):
            page.values["steps"] = [str(v) for v in value]
        elif kind is not None:
            set_field(page.values, errors, kind, value)
    blocks = _blocks(body)
    section: str | None = None
    loose_steps: list[str] = []
    listed: list[str] = []
    for kind, level, content in blocks:
        if kind == "heading":
            if level == 1 and not page.title:
                page.title = content
                section = None
                continue
            known = FIELD_OF_HEADING.get(heading_key(content))
            if known is not None and level <= 2:
                section = known
            elif section == "steps" or known is None:
                loose_steps.append(content)
                if section != "steps":
                    section = "loose"
            continue
        if section is None:
            if kind == "para":
                set_field(page.values, errors, "summary", content)
        elif section == "steps":
            if kind == "item":
                if level > 1 and listed:
                    listed[-1] = f"{listed[-1]} — {content}"
                else:
                    listed.append(content)
            elif loose_steps:
                loose_steps[-1] = f"{loose_steps[-1]} : {content}"
        elif section == "loose":
            loose_steps[-1] = f"{loose_steps[-1]} : {content}" if loose_steps else content
        else:
            current = page.values.get(section) if section not in ("duration", "audience") else None
            if isinstance(current, str) and current and section != "summary":
                page.values[section] = f"{current}\n{content}"
            else:
                set_field(page.values, errors, section, content)
    if "steps" not in page.values:
        steps = listed or loose_steps
        if steps:
            page.values["steps"] = steps
    if not page.title:
        page.title = PurePosixPath(path).stem.replace("-", " ").replace("_", " ")
    return finish_page(page, errors)


def parse_markdown_zip(data: bytes) -> Iterator[ParsedPage]:
    """Every Markdown file of a zip, in name order (other files are skipped)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ExportError("archive zip illisible") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_FILES:
            raise ExportError(f"plus de {MAX_ZIP_FILES} fichiers dans l'archive")
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            raise ExportError("archive trop volumineuse une fois décompressée (64 Mio au plus)")
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            parts = PurePosixPath(name).parts
            if any(p.startswith((".", "__MACOSX")) for p in parts):
                continue
            if not name.lower().endswith((".md", ".markdown")):
                yield ParsedPage(f"md:{name}", name, skipped="fichier non Markdown")
                continue
            raw = archive.read(info)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                yield ParsedPage(f"md:{name}", name, error="fichier non encodé en UTF-8")
                continue
            yield markdown_page(name, text.replace("\r\n", "\n"))
