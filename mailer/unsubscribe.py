"""`binpost unsubscribe-server`: RFC 8058 one-click unsubscribe, and a Dutch page with a button.

POST with `List-Unsubscribe=One-Click` (what Gmail and Yahoo send) unsubscribes
at once, with no cookie or login. GET shows a page whose button does the same.
The token is an HMAC (tokens.py): a forged or altered one is refused; a valid
one is recorded durably in the ledger and honoured by the next `binpost send`.
Answers never depend on whether a member exists, and no address is ever used.
"""

from __future__ import annotations

import html
import logging
import threading
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import clock
from .ledger import Ledger
from .tokens import read_token

log = logging.getLogger("binpost.unsubscribe")

PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:Arial,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}}
button{{font-size:1em;padding:.6em 1.2em;margin:.3em 0;cursor:pointer}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""


def page(title: str, body: str) -> bytes:
    return PAGE.format(title=html.escape(title), body=body).encode("utf-8")


class UnsubscribeService:
    def __init__(self, ledger_path: Path, secret: bytes, now: type[datetime] | None = None) -> None:
        self.ledger_path = ledger_path
        self.secret = secret
        self.local = threading.local()

    def ledger(self) -> Ledger:
        if not hasattr(self.local, "ledger"):  # one SQLite connection per server thread
            self.local.ledger = Ledger(self.ledger_path)
        ledger: Ledger = self.local.ledger
        return ledger

    def unsubscribe(self, token: str, everything: bool, source: str) -> bool:
        parsed = read_token(self.secret, token)
        if parsed is None:
            return False
        member_id, list_id = parsed
        self.ledger().record_unsubscribe(member_id, "*" if everything else list_id, source, clock.now())
        return True


def make_handler(service: UnsubscribeService, path: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "binpost"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            log.info("%s %s", self.command, self.path.split("?")[0])  # never the token

        def _send(self, status: HTTPStatus, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("X-Robots-Tag", "noindex")
            self.end_headers()
            self.wfile.write(body)

        def _token(self) -> tuple[str, str] | None:
            url = urlsplit(self.path)
            if url.path.rstrip("/") != path.rstrip("/"):
                self._send(HTTPStatus.NOT_FOUND, page("Niet gevonden", "<p>Deze pagina bestaat niet.</p>"))
                return None
            return url.path, (parse_qs(url.query).get("t") or [""])[0]

        def do_GET(self) -> None:
            found = self._token()
            if found is None:
                return
            token = html.escape(found[1], quote=True)
            form = (
                f'<form method="post" action="?t={token}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                '<p><button type="submit" name="scope" value="list">Uitschrijven voor dit netwerk</button></p>'
                '<p><button type="submit" name="scope" value="all">Uitschrijven voor alle netwerken</button>'
                "</p></form>"
            )
            self._send(
                HTTPStatus.OK,
                page("Uitschrijven", "<p>Wilt u geen berichten meer ontvangen? Kies hieronder.</p>" + form),
            )

        def do_POST(self) -> None:
            found = self._token()
            if found is None:
                return
            length = min(int(self.headers.get("Content-Length") or 0), 4096)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            everything = (form.get("scope") or [""])[0] == "all"
            one_click = (form.get("List-Unsubscribe") or [""])[0] == "One-Click"
            source = "one-click" if one_click and "scope" not in form else "web page"
            if not service.unsubscribe(found[1], everything, source):
                self._send(
                    HTTPStatus.BAD_REQUEST,
                    page(
                        "Ongeldige link",
                        "<p>Deze link is niet geldig. Gebruik de link onderaan de e-mail, of mail de coördinator.</p>",
                    ),
                )
                return
            self._send(
                HTTPStatus.OK,
                page(
                    "U bent uitgeschreven",
                    "<p>U krijgt geen berichten meer van "
                    + ("de netwerken" if everything else "dit netwerk")
                    + ". Dringend? Bel 101 of 112.</p>",
                ),
            )

    return Handler


def serve(ledger_path: Path, secret: bytes, host: str, port: int, path: str) -> ThreadingHTTPServer:
    service = UnsubscribeService(ledger_path, secret)
    server = ThreadingHTTPServer((host, port), make_handler(service, path))
    server.daemon_threads = True
    return server
