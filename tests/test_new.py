"""`binpost new` scaffolds a bulletin that passes `binpost check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailer.schema import KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_new_passes_check(sample: Path, binpost, kind: str) -> None:  # type: ignore[no-untyped-def]
    r = binpost(sample, "new", kind, "Verdachte wagen in de Kerkstraat: let op!", "--network", "bin-wilgenhove",
                "--zone", "pz-heidebos")
    assert r.code == 0, r.err
    path = Path(r.out.strip())
    assert path.exists() and path.parent.name == "berichten"
    assert path.name.endswith("-verdachte-wagen-in-de-kerkstraat-let-op.md")
    text = path.read_text(encoding="utf-8")
    assert "title: 'Verdachte wagen in de Kerkstraat: let op!'" in text
    assert "networks: [bin-wilgenhove]" in text and "zones: [pz-heidebos]" in text
    assert "status: draft" in text
    check = binpost(sample, "check", "--strict")
    assert check.code == 0, check.out


def test_new_refuses_to_overwrite(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    assert binpost(sample, "new", "notice", "Twee keer", "--all").code == 0
    r = binpost(sample, "new", "notice", "Twee keer", "--all")
    assert r.code == 1 and "already exists" in r.err
