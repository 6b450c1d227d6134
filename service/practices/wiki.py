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

from service.practices.markdown_pages import parse_markdown_zip
from service.practices.mediawiki import parse_mediawiki
from service.practices.wiki_fields import ExportError, ParsedPage


def parse_export(data: bytes) -> tuple[str, list[ParsedPage]]:
    """("mediawiki" | "markdown", pages) of an export, recognised by its first bytes."""
    if data[:4] == b"PK\x03\x04":
        return "markdown", list(parse_markdown_zip(data))
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "mediawiki", list(parse_mediawiki(data))
    raise ExportError("format inconnu : attendu un export XML de MediaWiki ou un zip de Markdown")
