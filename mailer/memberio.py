"""Import a coordinator's spreadsheet (CSV or XLSX) and export a network's members as CSV.

An import is reported in full (new, changed, unchanged, duplicate, invalid)
before anything is written, and written in one round trip over the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers

from .directory import normalise_email, normalise_phone
from .errors import BinpostError
from .models import Directory, Member

# Column names a Flemish coordinator's spreadsheet tends to use, lower-cased.
DEFAULT_MAP = {
    "naam": "name",
    "name": "name",
    "volledige naam": "name",
    "voornaam": "first_name",
    "first_name": "first_name",
    "e-mail": "email",
    "email": "email",
    "e-mailadres": "email",
    "mail": "email",
    "gsm": "phone",
    "telefoon": "phone",
    "tel": "phone",
    "phone": "phone",
    "gsm-nummer": "phone",
    "netwerk": "networks",
    "netwerken": "networks",
    "network": "networks",
    "taal": "lang",
    "lang": "lang",
    "adres": "address",
    "address": "address",
}
FIELDS = ("name", "first_name", "email", "phone", "networks", "lang", "address")


@dataclass
class ImportRow:
    line: int  # row number in the file, header = 1
    status: str  # new | changed | unchanged | duplicate | invalid
    values: dict[str, object] = field(default_factory=dict)
    member_id: str = ""
    reason: str = ""
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)


def read_table(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import load_workbook
        except ImportError:
            raise BinpostError("reading .xlsx needs the 'openpyxl' package; or save the sheet as CSV") from None
        sheet = load_workbook(path, read_only=True, data_only=True).active
        if sheet is None:
            raise BinpostError(f"{path}: the workbook has no sheet")
        rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="cp1252")  # Excel's "CSV" on Windows
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise BinpostError(f"{path}: empty file")
    header = [h.strip().lower() for h in rows[0]]
    return [dict(zip(header, [c.strip() for c in r], strict=False)) for r in rows[1:] if any(c.strip() for c in r)]


def plan_import(
    rows: list[dict[str, str]], directory: Directory, mapping: dict[str, str], default_network: str = ""
) -> list[ImportRow]:
    columns = {**DEFAULT_MAP, **{k.lower(): v for k, v in mapping.items()}}
    by_email = {m.email: m for m in directory.members.values() if m.email}
    by_phone = {m.phone: m for m in directory.members.values() if m.phone}
    seen: dict[str, int] = {}
    out = []
    for n, raw in enumerate(rows, start=2):
        values: dict[str, object] = {}
        for col, cell in raw.items():
            target = columns.get(col)
            if target in FIELDS and cell and target not in values:
                values[target] = " ".join(cell.split())
        row = ImportRow(n, "new", values)
        try:
            _normalise(values, directory, default_network)
        except ValueError as exc:
            row.status, row.reason = "invalid", str(exc)
            out.append(row)
            continue
        key = str(values.get("email") or values.get("phone"))
        if key in seen:
            row.status, row.reason = "duplicate", f"same person as row {seen[key]}"
            out.append(row)
            continue
        seen[key] = n
        existing = by_email.get(str(values.get("email", ""))) or by_phone.get(_e164(values.get("phone")))
        if existing is not None:
            row.member_id = existing.id
            row.changes = _changes(existing, values)
            row.status = "changed" if row.changes else "unchanged"
        out.append(row)
    return out


def _e164(value: object) -> str:
    try:
        return normalise_phone(str(value)) if value else ""
    except ValueError:
        return ""


def _normalise(values: dict[str, object], directory: Directory, default_network: str) -> None:
    if not values.get("name"):
        raise ValueError("no name")
    if values.get("email"):
        values["email"] = normalise_email(str(values["email"]))
    if values.get("phone"):
        e164 = normalise_phone(str(values["phone"]))
        values["phone"] = phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    if not values.get("email") and not values.get("phone"):
        raise ValueError("neither an e-mail address nor a phone number")
    nets = [x.strip() for x in str(values.get("networks") or default_network).replace(";", ",").split(",") if x.strip()]
    if not nets:
        raise ValueError("no network: add a 'netwerk' column or use --network")
    unknown = [x for x in nets if x not in directory.networks]
    if unknown:
        raise ValueError(f"unknown network {', '.join(unknown)}")
    values["networks"] = nets
    lang = str(values.get("lang") or "nl").lower()
    if lang not in ("nl", "fr", "de", "en"):
        raise ValueError(f"unknown language '{lang}'")
    values["lang"] = lang


def _changes(m: Member, values: dict[str, object]) -> dict[str, tuple[object, object]]:
    out: dict[str, tuple[object, object]] = {}
    for key, new in values.items():
        old: object = getattr(m, key, None)
        if key == "phone":
            if _e164(new) != m.phone:
                out[key] = (m.phone, new)
            continue
        if key == "networks":
            if set(new) - set(m.networks):  # type: ignore[call-overload]
                out[key] = (list(m.networks), sorted(set(m.networks) | set(new)))  # type: ignore[call-overload]
            continue
        if new != old and new:
            out[key] = (old, new)
    return out


def export_csv(directory: Directory, network: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")  # Excel in Belgium opens ;-separated files directly
    w.writerow(["id", "naam", "e-mail", "gsm", "kanalen", "taal", "status", "netwerken"])
    for m in directory.members.values():
        if network in m.networks:
            w.writerow([m.id, m.name, m.email, m.phone, " ".join(m.channels), m.lang, m.status, " ".join(m.networks)])
    return buf.getvalue()
