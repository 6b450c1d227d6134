"""Importing a messy form export: every error located, all-or-nothing, --partial, idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from service.cli import main
from service.settings import Settings
from tests.integration.actors import Actor, Actors

Client = AsyncTestClient[Any]
FORMS = Path(__file__).parents[1] / "data" / "forms"
MESSY = FORMS / "messy_export.csv"
URL = "/api/import/responses"
EXPECTED_ERRORS = [
    (4, "Adresse e-mail"),
    (7, "Échelle d'échange souhaitée"),
]


async def _upload(client: Client, actor: Actor, path: Path, query: str = "") -> Any:
    files = {"file": (path.name, path.read_bytes(), "text/csv")}
    return await client.post(f"{URL}{query}", headers=actor.headers, files=files)


async def _members(client: Client, actor: Actor) -> dict[str, Any]:
    body = (await client.get("/api/members?limit=200", headers=actor.headers)).json()
    return {member["email"]: member for member in body["items"]}


async def test_a_messy_export_is_refused_whole_with_each_bad_row_located(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    response = await _upload(client, animator, MESSY)
    assert response.status_code == 422, response.text
    errors = response.json()["extra"]
    assert [(error["line"], error["column"]) for error in errors] == EXPECTED_ERRORS
    assert "bruno.martin@" in errors[0]["message"]
    assert "Européen" in errors[1]["message"]
    assert list(await _members(client, animator)) == [animator.email]


async def test_partial_import_writes_the_valid_rows_then_reimport_changes_nothing(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    first = await _upload(client, animator, MESSY, "?partial=true")
    assert first.status_code == 200, first.text
    report = first.json()
    assert [(e["line"], e["column"]) for e in report["errors"]] == EXPECTED_ERRORS
    assert (report["rows"], report["members_created"], report["responses_created"]) == (5, 3, 3)
    assert report["ignored_columns"] == ["Horodateur"]

    members = await _members(client, animator)
    alice = members["alice.durand@mairie-lorient.fr"]
    assert alice["display_name"] == "Alice Durand" and alice["consent"] is True
    assert alice["needs"] == [
        "Animer un premier atelier de co-design avec les habitants",
        "Évaluer notre budget participatif",
    ]
    assert (alice["network_level"], alice["region"], alice["tools"]) == (
        "regional",
        "Bretagne",
        ["linkedin", "wiki"],
    )
    chloe = members["chloe.petit@grandest.fr"]
    assert (chloe["region"], chloe["organization_type"], chloe["capacity"]) == (
        "Grand Est",
        "region",
        3,
    )
    assert chloe["tools"] == ["e_communautes", "linkedin"]
    assert chloe["offers"] == ["Design de services publics", "Tests utilisateurs"]
    emma = members["emma.leroy@paca.gouv.fr"]
    assert (emma["display_name"], emma["region"]) == ("Emma Leroy", "Provence-Alpes-Côte d'Azur")

    again = (await _upload(client, animator, MESSY, "?partial=true")).json()
    assert (again["members_created"], again["members_updated"]) == (0, 0)
    assert (again["responses_created"], again["responses_updated"], again["unchanged"]) == (0, 0, 3)
    assert await _members(client, animator) == members


async def test_a_dry_run_counts_without_writing(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    response = await _upload(client, animator, MESSY, "?partial=true&dry_run=true")
    assert response.status_code == 200, response.text
    assert (response.json()["dry_run"], response.json()["members_created"]) == (True, 3)
    assert list(await _members(client, animator)) == [animator.email]


async def test_an_import_updates_a_member_who_already_answered(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create("member", email="helene.moreau@cd35.fr")
    await client.post(
        "/api/questionnaires/1/responses",
        headers=member.headers,
        json={"answers": {"niveau_reseau": "national", "besoins": "Trouver un mentor"}},
    )
    response = await _upload(client, animator, FORMS / "excel_cp1252.csv")
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["members_created"], report["members_updated"]) == (1, 1)
    assert (report["responses_created"], report["responses_updated"]) == (1, 1)
    members = await _members(client, animator)
    helene = members["helene.moreau@cd35.fr"]
    assert helene["network_level"] == "regional"
    assert helene["needs"] == ["Conduire le changement dans une équipe d'agents"]
    assert members["francois.noel@agglo-caen.fr"]["display_name"] == "François Noël"


async def test_json_rows_are_validated_like_csv_rows(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    rows = [
        {"email": "a@ville.fr", "answers": {"niveau_reseau": "local", "besoins": "Un besoin"}},
        {"email": "b@ville.fr", "answers": {"niveau_reseau": "galactique", "besoins": "x"}},
    ]
    refused = await client.post(URL, headers=animator.headers, json={"rows": rows})
    assert refused.status_code == 422
    assert [(e["line"], e["column"]) for e in refused.json()["extra"]] == [
        (2, "answers.niveau_reseau")
    ]
    rows[1]["answers"]["niveau_reseau"] = "national"
    accepted = await client.post(URL, headers=animator.headers, json={"rows": rows})
    assert accepted.status_code == 200 and accepted.json()["members_created"] == 2


async def test_only_animators_import_and_a_file_without_email_column_is_refused(
    client: Client, actors: Actors
) -> None:
    animator = await actors.create("animator")
    member = await actors.create("member")
    assert (await _upload(client, member, MESSY)).status_code == 403
    files = {"file": ("x.csv", "Nom;Région\nA;Bretagne\n".encode(), "text/csv")}
    response = await client.post(URL, headers=animator.headers, files=files)
    assert response.status_code == 422
    assert response.json()["extra"][0]["key"] == "file"


def test_the_command_imports_all_or_nothing_then_partially_then_idempotently(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PASSERELLE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(settings.data_dir))
    command = ["import", "responses", str(MESSY)]
    assert main(command) == 1
    refused = capsys.readouterr()
    assert "2 invalid row(s)" in refused.err and "Adresse e-mail" in refused.err

    assert main([*command, "--dry-run", "--partial"]) == 0
    assert "Dry run" in capsys.readouterr().out
    assert main([*command, "--partial"]) == 0
    assert "3 members created" in capsys.readouterr().out
    assert main([*command, "--partial"]) == 0
    again = capsys.readouterr().out
    assert "0 members created, 0 updated" in again and "3 unchanged" in again


async def test_a_custom_mapping_renames_columns_and_choices(client: Client, actors: Actors) -> None:
    animator = await actors.create("animator")
    mapping = (
        "member: {email: Courriel, display_name: Nom}\n"
        "answers: {Niveau: niveau_reseau, Attentes: besoins}\n"
        "aliases: {niveau_reseau: {dans ma ville: local}}\n"
    )
    export = "Courriel,Nom,Niveau,Attentes\nzoe@ville.fr,Zoé,Dans ma ville,Un besoin\n"
    files = {
        "file": ("export.csv", export.encode(), "text/csv"),
        "mapping": ("mapping.yaml", mapping.encode(), "application/yaml"),
    }
    response = await client.post(URL, headers=animator.headers, files=files)
    assert response.status_code == 200, response.text
    zoe = (await _members(client, animator))["zoe@ville.fr"]
    assert (zoe["display_name"], zoe["network_level"]) == ("Zoé", "local")

    files["mapping"] = ("mapping.yaml", b"answers: {Niveau: niveau_reseau}\n", "application/yaml")
    refused = await client.post(URL, headers=animator.headers, files=files)
    assert refused.status_code == 422
    assert refused.json()["extra"][0]["key"] == "mapping"
