"""Reading the community's existing wiki: a MediaWiki XML export, or a zip of Markdown files.

Each page becomes the fields of a sheet (`ParsedPage.values`), or an error naming what is
missing, or is skipped (redirects, pages outside the main namespace, files that are not
Markdown). Text comes out clean: no templates, references, files, categories, magic words,
HTML or wiki/Markdown markup.

MediaWiki (`parse_mediawiki`): the export is untrusted XML, read with `defusedxml` (no entity
expansion, no external entities); each page's newest revision is parsed with
`mwparserfromhell`. An infobox template (`{{Fiche outil | durée = 1 h 30 | participants = 8 à
15 | matériel = … | public = agents}}`) gives fields by its parameter names; level-2 sections
give fields by their heading (« Quand l'utiliser », « Déroulé » / « Étapes », « Matériel »,
« Durée », « Participants », « Public », « Résumé »); the steps are the items of the numbered
or bulleted list of the steps section, or else its level-3 sub-sections; the text before the
first heading is the summary; other sections are added to the summary.

Markdown (`parse_markdown_zip`): every `.md` file of the zip; YAML front matter between `---`
lines gives fields by name (`title`, `summary`, `when_to_use`, `duration_minutes` or `durée`,
`group_size`, `materials`, `audience`, `themes`, `licence`, `status`, `id`); the body is read
with `markdown-it-py`: its first `#` heading is the title when the front matter has none, its
paragraphs before any `##` heading the summary, `##` sections give fields by heading as above,
and the steps are the list items of the steps section, or else each `##`/`###` heading that is
not a known field (heading, then its text).
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import mwparserfromhell
import yaml
from defusedxml import ElementTree
from markdown_it import MarkdownIt
from mwparserfromhell.wikicode import Wikicode

from service.reference import search_key

MAX_ZIP_FILES = 5000
MAX_UNCOMPRESSED = 64 * 1024 * 1024

FIELD_OF_HEADING = {
    "resume": "summary",
    "presentation": "summary",
    "description": "summary",
    "en bref": "summary",
    "objectif": "summary",
    "objectifs": "summary",
    "quand l'utiliser": "when_to_use",
    "quand l utiliser": "when_to_use",
    "quand utiliser": "when_to_use",
    "quand l'utiliser ?": "when_to_use",
    "pourquoi l'utiliser": "when_to_use",
    "contexte": "when_to_use",
    "pour quoi faire": "when_to_use",
    "dans quels cas": "when_to_use",
    "deroule": "steps",
    "deroulement": "steps",
    "etapes": "steps",
    "les etapes": "steps",
    "mode d'emploi": "steps",
    "methode": "steps",
    "materiel": "materials",
    "materiels": "materials",
    "materiel necessaire": "materials",
    "ressources": "materials",
    "duree": "duration",
    "temps": "duration",
    "participants": "group_size",
    "nombre de participants": "group_size",
    "taille du groupe": "group_size",
    "public": "audience",
    "pour qui": "audience",
    "licence": "licence",
}
FRONT_MATTER_FIELDS = {
    "title": "title",
    "titre": "title",
    "summary": "summary",
    "resume": "summary",
    "when_to_use": "when_to_use",
    "quand_l_utiliser": "when_to_use",
    "steps": "steps",
    "etapes": "steps",
    "duration_minutes": "duration",
    "duration": "duration",
    "duree": "duration",
    "group_size": "group_size",
    "participants": "group_size",
    "materials": "materials",
    "materiel": "materials",
    "audience": "audience",
    "public": "audience",
    "themes": "themes",
    "licence": "licence",
    "license": "licence",
    "status": "status",
    "statut": "status",
    "id": "id",
}
AUDIENCE_WORDS = {
    "agent": "agents",
    "agents": "agents",
    "manager": "managers",
    "managers": "managers",
    "encadrant": "managers",
    "encadrants": "managers",
    "direction": "direction",
    "directions": "direction",
    "dgs": "direction",
    "elu": "elus",
    "elus": "elus",
    "elue": "elus",
    "elues": "elus",
}
DROPPED_LINKS = ("fichier", "file", "image", "media", "categorie", "category")
DROPPED_TAGS = (
    "ref", "references", "gallery", "nowiki", "math", "score", "syntaxhighlight", "table",
)  # fmt: skip
_MAGIC = re.compile(r"__[A-Z]+__")
_HTML = re.compile(r"<[^>\n]{1,200}>")
_EMPTY_BRACKETS = re.compile(r"\s*\((?:voir|cf\.?)?\s*\)")
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])(?=\s|$)")
_DURATION = re.compile(
    r"(?:environ |~ ?)?(?:(\d+(?:[.,]\d+)?) ?(?:h|heures?)\.?)?"
    r" ?(?:(\d+) ?(?:min|minutes?|mn)?\.?)?"
)
_LIST_ITEM = re.compile(r"^([#*]+)\s*(.*)$")


@dataclass
class ParsedPage:
    """One page of an export: its identity, the sheet fields read, or why not."""

    key: str
    title: str
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    skipped: str | None = None


class ExportError(ValueError):
    """The file itself cannot be read (not a MediaWiki export nor a zip, broken XML...)."""


# ------------------------------------------------------------------------------ shared bits
def heading_key(text: str) -> str:
    """A heading as compared with the known ones: folded, without final punctuation."""
    return search_key(text).strip(" :?!.").replace("’", "'")


def parse_duration(text: str) -> int | None:
    """Minutes in « 90 minutes », « 1 h 30 », « 1h30 », « 2 heures », « 45 min » (None when
    not understood)."""
    folded = search_key(str(text))
    if not folded:
        return None
    if folded.isdigit():
        return int(folded)
    if "demi-journee" in folded or "demi journee" in folded:
        return 210
    if "journee" in folded:
        return 420
    match = _DURATION.fullmatch(folded)
    if not match or not any(match.groups()):
        return None
    hours = float(match.group(1).replace(",", ".")) if match.group(1) else 0.0
    minutes = int(match.group(2)) if match.group(2) else 0
    total = round(hours * 60) + minutes
    return total or None


def parse_audience(value: Any) -> list[str] | None:
    """Audiences from a list or a text (« agents, managers »); None when one is unknown."""
    items = value if isinstance(value, list) else re.split(r"[,;/]| et ", str(value))
    found: list[str] = []
    for item in items:
        word = search_key(str(item)).strip()
        if not word:
            continue
        audience = AUDIENCE_WORDS.get(word)
        if audience is None:
            return None
        if audience not in found:
            found.append(audience)
    return found


def _set_field(values: dict[str, Any], errors: list[str], kind: str, text: Any) -> None:
    """Put a field read from a heading, a template parameter or the front matter."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return
    if kind == "duration":
        minutes = text if isinstance(text, int) else parse_duration(str(text))
        if minutes is None:
            errors.append(f"durée illisible : « {text} »")
        else:
            values["duration_minutes"] = minutes
    elif kind == "audience":
        audience = parse_audience(text)
        if audience is None:
            errors.append(f"public inconnu : « {text} » (agents, managers, direction, élus)")
        else:
            values["audience"] = audience
    elif kind == "summary" and values.get("summary"):
        values["summary"] = f"{values['summary']}\n\n{text}"
    elif kind == "steps":
        values["steps"] = [str(s) for s in text] if isinstance(text, list) else [str(text)]
    else:
        values[kind] = text


def _finish(page: ParsedPage, errors: list[str]) -> ParsedPage:
    values = page.values
    if not page.title.strip():
        errors.append("titre manquant")
    values["title"] = page.title.strip()
    if not values.get("steps"):
        errors.append("aucune étape : une section « Déroulé » ou « Étapes » avec une liste")
    if errors:
        page.error = " ; ".join(errors)
    return page


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
            _set_field(page.values, errors, kind, value)
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
            _set_field(page.values, errors, kind, clean_wikitext(body))
        else:
            text_ = clean_wikitext(body)
            if text_:
                extra.append(f"{heading} : {text_}" if heading else text_)
    if extra:
        _set_field(page.values, errors, "summary", "\n\n".join(extra))
    return _finish(page, errors)


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
            _set_field(page.values, errors, kind, value)
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
                _set_field(page.values, errors, "summary", content)
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
                _set_field(page.values, errors, section, content)
    if "steps" not in page.values:
        steps = listed or loose_steps
        if steps:
            page.values["steps"] = steps
    if not page.title:
        page.title = PurePosixPath(path).stem.replace("-", " ").replace("_", " ")
    return _finish(page, errors)


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


def parse_export(data: bytes) -> tuple[str, list[ParsedPage]]:
    """("mediawiki" | "markdown", pages) of an export, recognised by its first bytes."""
    if data[:4] == b"PK\x03\x04":
        return "markdown", list(parse_markdown_zip(data))
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "mediawiki", list(parse_mediawiki(data))
    raise ExportError("format inconnu : attendu un export XML de MediaWiki ou un zip de Markdown")
