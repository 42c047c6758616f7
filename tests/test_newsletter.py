"""Newsletter editions: golden output, the message on the wire, headers, injection, size."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from editions_sample import GOLDEN, NOW, SECRET, golden_outputs, sample_edition

from mailer.editions import make_edition
from mailer.message import build_template, token
from mailer.models import Bulletin, Member
from mailer.personal import greeting, list_unsubscribe_header
from mailer.render import render_edition
from mailer.tokens import make_token, read_token


def test_golden_files() -> None:
    """Regenerate with: python scripts/gen_golden.py"""
    for name, text in golden_outputs().items():
        assert (GOLDEN / name).read_text(encoding="utf-8") == text, f"{name} changed; see scripts/gen_golden.py"


def test_rendering_is_deterministic() -> None:
    assert golden_outputs() == golden_outputs()


def wire(network: str = "bin-wilgenhove", lang: str = "nl") -> tuple[EmailMessage, bytes, str]:
    config, rendered, values = sample_edition(network, lang)
    raw, mid = rendered.message.personalise(
        to_name="Ivo Goossens", to_address="ivo.goossens@example.net", values=values, member_id="m-0009",
        list_unsubscribe=list_unsubscribe_header(config, values["UNSUBSCRIBE_TOKEN"]), date=NOW)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg, raw, mid


def test_message_on_the_wire() -> None:
    msg, raw, mid = wire()
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text, html = (p.get_content() for p in parts)
    assert "Beste Ivo," in text and "Beste Ivo," in html
    assert "<" not in text.replace("<https", "")  # a real text part, not HTML
    assert "XBINPOSTX" not in text + html
    assert msg["From"] == "BIN Lindevallei <berichten@bin.lindevallei.example.org>"
    assert msg["Reply-To"] == "wilgenhove@bin.lindevallei.example.org"
    assert msg.get_all("To") == ["Ivo Goossens <ivo.goossens@example.net>"]
    assert msg.get_all("Cc") is None and msg.get_all("Bcc") is None
    assert msg["Subject"] == "BIN Wilgenhove: 6 nieuwe berichten"  # the expired infoflash is not mailed
    assert msg["Date"] == "Thu, 03 Dec 2026 12:00:00 +0100"
    assert msg["Message-ID"] == mid and mid.endswith("@bin.lindevallei.example.org>")
    assert msg["List-Id"] == "BIN Wilgenhove <bin-wilgenhove.bin.lindevallei.example.org>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Content-Language"] == "nl"
    unsub = msg["List-Unsubscribe"]
    m = re.fullmatch(r"<(https://[^>]+)>, <(mailto:[^>]+)>", unsub)
    assert m, unsub
    assert "example.net" not in unsub and "ivo" not in unsub.lower()  # keyed by member id, never the address
    assert m.group(1) in html and m.group(1) in text  # the visible link is the same one
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_french_member_gets_french_frame() -> None:
    msg, _, _ = wire(lang="fr")
    text = next(msg.iter_parts()).get_content()
    assert "Bonjour Ivo," in text and "Urgent ? Appelez le 101 ou le 112." in text
    assert msg["Content-Language"] == "fr"


def test_mail_content() -> None:
    _, rendered, _values = sample_edition()
    html = rendered.html
    assert "Politiezone Lindevallei" in html and "BIN Wilgenhove" in html
    assert "Dringend? Bel 101 of 112." in html and "Dringend? Bel 101 of 112." in rendered.text
    assert "Uitschrijven" in html
    assert "wilgenhove@bin.lindevallei.example.org" in html  # the coordinator's public contact
    # members-only bulletin: complete in the mail, without a web link
    assert "Verslag van het wijkoverleg in Wilgenhove" in html
    assert "2026-11-28-verslag-wijkoverleg-wilgenhove" not in html + rendered.text
    assert "https://bin.lindevallei.example.org/berichten/2026-11-20-getuigen-diefstal-bestelwagen/" in html
    assert "lid bent van BIN Wilgenhove" in html


def test_greeting_fallback_without_a_name() -> None:
    nameless = Member(id="m-x", name="", networks=("bin-wilgenhove",), consent=None)
    assert greeting(nameless, "nl") == "Beste lid,"
    assert greeting(dataclasses.replace(nameless, first_name="Zoë"), "nl") == "Beste Zoë,"


def bulletin(**kw: object) -> Bulletin:
    base = dict(path=Path("x.md"), slug="x", title="Titel", date=NOW, summary="Samenvatting", kind="notice",
                body="Tekst.", status="approved", networks=("bin-wilgenhove",))
    base.update(kw)
    return Bulletin(**base)  # type: ignore[arg-type]


def render_one(b: Bulletin, lang: str = "nl"):  # type: ignore[no-untyped-def]
    from editions_sample import ROOT

    from mailer.config import load_config
    from mailer.project import load_project

    config = load_config(ROOT)
    d = load_project(config).directory
    return config, render_edition(make_edition(d.networks["bin-wilgenhove"], [b], NOW), d, config, lang, NOW)


@pytest.mark.parametrize("title", ["Inbraak\r\nBcc: evil@example.net", "Inbraak\nX-Injected: 1",
                                   "Inbraak\x00\x1b[31m", "A" * 5000, "<script>alert(1)</script>"])
def test_header_injection_is_impossible(title: str) -> None:
    _config, r = render_one(bulletin(title=title))
    raw, _ = r.message.personalise(to_name="Eve\r\nBcc: all@example.net", to_address="eve@example.org",
                                   values={"GREETING": "Beste Eve\r\nX: y,", "UNSUBSCRIBE": "https://u/?t=a"},
                                   member_id="m-1", list_unsubscribe="<https://u/?t=a>\r\nBcc: x@example.net",
                                   date=NOW)
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    names = [line.split(":", 1)[0] for line in head.split("\r\n") if line and not line[0].isspace()]
    assert sorted(names) == sorted(["To", "Message-ID", "Date", "List-Unsubscribe", "Subject", "From", "Reply-To",
                                    "List-Id", "List-Unsubscribe-Post", "Content-Language", "MIME-Version",
                                    "Content-Type"])
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_all("Bcc") is None and msg.get_all("X-Injected") is None
    assert len(msg.get_all("To")) == 1
    html = list(msg.iter_parts())[1].get_content()
    assert "<script>" not in html


def test_body_html_is_sanitised() -> None:
    body = ('<script>steal()</script><p onclick="x()">Klik</p><iframe src="https://evil.example"></iframe>'
            '<form action="https://evil.example"><input name="pin"></form><a href="javascript:alert(1)">a</a>'
            '<img src="x.png" onerror="x()" alt="foto">')
    _, r = render_one(bulletin(body=body))
    for bad in ("<script", "steal()", "onclick", "<iframe", "<form", "<input", "javascript:", "onerror"):
        assert bad not in r.html, bad
    assert "Klik" in r.html and 'alt="foto"' in r.html


def test_placeholders_in_content_cannot_leak_or_inject() -> None:
    sneaky = bulletin(title=f"Titel {token('GREETING')}", body=f"Tekst {token('UNSUBSCRIBE')}")
    _, r = render_one(sneaky)
    raw, _ = r.message.personalise(to_name="A", to_address="a@example.org",
                                   values={"GREETING": "Beste A,", "UNSUBSCRIBE": "https://u/?t=a"},
                                   member_id="m-1", list_unsubscribe="<https://u/?t=a>", date=NOW)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = next(msg.iter_parts()).get_content()
    assert "XBINPOSTX" not in text
    assert text.count("https://u/?t=a") == 1  # only the real unsubscribe line, not the planted one
    assert "Beste A," in text and text.count("Beste A,") == 1


def test_ten_bulletin_edition_stays_under_gmail_clipping() -> None:
    long_body = "\n\n".join(f"## Deel {i}\n\n" + "Dit is een realistische alinea over inbraken in de buurt. " * 8
                            for i in range(4))
    bs = [bulletin(slug=f"b{i}", title=f"Bericht {i}", body=long_body) for i in range(10)]
    from editions_sample import ROOT

    from mailer.config import load_config
    from mailer.project import load_project

    config = load_config(ROOT)
    d = load_project(config).directory
    r = render_edition(make_edition(d.networks["bin-wilgenhove"], bs, NOW), d, config, "nl", NOW)
    raw, _ = r.message.personalise(to_name="A", to_address="a@example.org",
                                   values={"GREETING": "Beste A,", "UNSUBSCRIBE": "https://u/?t=a"},
                                   member_id="m-1", list_unsubscribe="<https://u/?t=a>", date=NOW)
    html_part = list(email.message_from_bytes(raw, policy=email.policy.default).iter_parts())[1]
    size = len(html_part.get_content().encode("utf-8"))
    assert size < 100_000, size


def test_unsubscribe_token() -> None:
    t = make_token(SECRET, "m-0009", "bin-wilgenhove")
    assert read_token(SECRET, t) == ("m-0009", "bin-wilgenhove")
    assert "@" not in t and "goossens" not in t.lower()
    assert read_token(b"another-secret-xxxxxxxx", t) is None
    _payload, mac = t.split(".")
    forged = make_token(SECRET, "m-0010", "bin-wilgenhove").split(".")[0] + "." + mac
    assert read_token(SECRET, forged) is None
    for junk in ("", ".", "a.b.c", "%%%.###", t[:-2]):
        assert read_token(SECRET, junk) is None


def test_prebuilt_message_matches_the_email_package() -> None:
    """The fast path decodes to exactly what the stdlib would build from the same parts."""
    tpl = build_template(edition_id="e", subject="Inbraak in Lindegem – België", from_name="BIN", lang="nl",
                         from_address="a@bin.example.org", reply_to="c@bin.example.org", list_id="l.bin.example.org",
                         list_name="L", text=f"Regel één {token('GREETING')}\n" + "x " * 200 + "\n\tTab \n",
                         html_body=f"<p>{token('GREETING')}</p>" + "<b>é</b>" * 300)
    raw, _ = tpl.personalise(to_name="Zoë", to_address="zoe@example.org", values={"GREETING": "Zoë & co",
                             "UNSUBSCRIBE": "https://u"}, member_id="m", list_unsubscribe="<https://u>", date=NOW)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text, html = (p.get_content() for p in msg.iter_parts())
    assert text.replace("\r\n", "\n") == "Regel één Zoë & co\n" + "x " * 200 + "\n\tTab \n"
    assert html == "<p>Zoë &amp; co</p>" + "<b>é</b>" * 300
    assert msg["Subject"] == "Inbraak in Lindegem – België"
    assert msg["To"] == "Zoë <zoe@example.org>"
