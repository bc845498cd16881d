"""The walk-through of the README, end to end through the CLI."""

from __future__ import annotations

from tests.conftest import SAMPLE_DATA, CliRun, json_out


def test_walkthrough(cli: CliRun, part_key: str, kit_name: str) -> None:
    photo = json_out(cli("part", "attach", part_key, str(SAMPLE_DATA / "sn74hc595-top.png"), "--json"))
    assert photo["kind"] == "image" and photo["is_cover"] is True
    sheet = json_out(
        cli("part", "attach", part_key, str(SAMPLE_DATA / "sn74hc595.pdf"), "--title", "Datasheet", "--json")
    )
    assert sheet["kind"] == "pdf" and sheet["is_cover"] is False
    link = json_out(
        cli(
            "part",
            "attach",
            part_key,
            "https://www.ti.com/product/SN74HC595N",
            "-t",
            "Product page",
            "--json",
        )
    )
    assert link["kind"] == "url" and link["blob_digest"] is None
    front = json_out(cli("kit", "attach", kit_name, str(SAMPLE_DATA / "synth-voice-front.png"), "--json"))
    assert front["is_cover"] is True

    listing = json_out(cli("set", "list", f"part:{part_key}", "--json"))
    assert [a["id"] for a in listing["attachments"]] == [photo["id"], sheet["id"], link["id"]]
    assert listing["cover_id"] == photo["id"]
    sets = json_out(cli("set", "list", "--json"))
    assert [(s["owner"], s["attachment_count"]) for s in sets] == [("part:ABCD", 3), ("kit:Synth Voice", 1)]

    table = cli("set", "list", f"part:{part_key}")
    assert table.exit_code == 0
    assert "★" in table.stdout and "Datasheet" in table.stdout
