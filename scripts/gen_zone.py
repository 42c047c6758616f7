#!/usr/bin/env python3
"""Make a synthetic zone for benchmarks and scale tests, deterministically.

usage: gen_zone.py OUT --networks N --members M --bulletins B [--seed S]

Same arguments, same bytes: names come from a seeded generator, dates from a
fixed start, so benchmark runs compare like with like.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

FIRST = ["An", "Bart", "Chantal", "Dirk", "Els", "Frank", "Greet", "Hilde", "Ivo", "Joke", "Karel", "Lotte",
         "Marc", "Nadia", "Olivier", "Patricia", "Quinten", "Rita", "Sven", "Tine", "Umberto", "Veerle", "Wim"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
        "De Smet", "Dubois", "Hermans", "Aerts", "Lambrechts", "Desmet", "Cools", "Dierckx", "Segers"]
KINDS = ["notice", "prevention-tip", "fraud-warning", "call-for-witnesses", "feedback", "infoflash", "meeting"]
TAGS = ["inbraak", "oplichting", "phishing", "diefstal", "preventie", "voertuigen", "fietsen", "cijfers"]
PARA = ("De politie stelde de voorbije weken verschillende feiten vast in de buurt. Wees waakzaam, sluit "
        "deuren en ramen en meld verdachte situaties meteen via 101. Deel dit bericht niet op sociale media.")
START = datetime(2024, 1, 1, 9, 0)


def generate(out: Path, networks: int, members: int, bulletins: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    zones = max(1, networks // 20)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyproject.toml").write_text(
        '[tool.binpost]\nsite_url = "https://bin.example.org/"\n'
        'sender_address = "berichten@bin.example.org"\n', encoding="utf-8")
    lines = ["# Synthetic zone made by scripts/gen_zone.py; all data is fictional.", "zones:"]
    for z in range(zones):
        lines += [f"  - id: pz-{z:02d}", f"    name: Politiezone {z:02d}", f"    contact: bin{z}@pz.example.org"]
    lines.append("networks:")
    for n in range(networks):
        sched = "immediate" if n % 3 else "{every: week, weekday: monday, hour: 18}"
        lines += [f"  - id: bin-{n:03d}", f"    name: BIN Wijk {n:03d}", f"    zone: pz-{n % zones:02d}",
                  f"    contact: wijk{n}@bin.example.org", f"    coordinators: [m-{n:06d}]",
                  f"    schedule: {sched}"]
    lines += ["groups:", "  - id: regio", "    name: Regio", f"    zones: [{', '.join(f'pz-{z:02d}' for z in range(zones))}]",
              "members:"]
    for m in range(members):
        nets = [f"bin-{m % networks:03d}"] + ([f"bin-{(m + 1) % networks:03d}"] if m % 10 == 0 and networks > 1 else [])
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        lines += [f"  - id: m-{m:06d}", f"    name: {name}", f"    email: lid{m}@example.org",
                  f"    phone: '+32 460 {m // 10000 % 100:02d} {m // 100 % 100:02d} {m % 100:02d}'",
                  f"    networks: [{', '.join(nets)}]", "    channels: [email]", "    lang: nl",
                  "    consent: {date: 2024-03-01, source: webformulier}", "    status: active"]
    (out / "members.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    content = out / "content" / "berichten"
    content.mkdir(parents=True, exist_ok=True)
    (out / "content" / "index.md").write_text("# BIN\n\nWelkom.\n", encoding="utf-8")
    for b in range(bulletins):
        date = START + timedelta(hours=7 * b)
        kind = KINDS[b % len(KINDS)]
        tags = sorted(set(rnd.sample(TAGS, 2)))
        target = f"networks: [bin-{rnd.randrange(networks):03d}]" if b % 5 else f"zones: [pz-{b % zones:02d}]"
        body = "\n\n".join(f"## Deel {i + 1}\n\n{PARA}" for i in range(3))
        (content / f"{date:%Y-%m-%d}-bericht-{b:05d}.md").write_text(
            f"---\ntitle: Bericht {b:05d} over {tags[0]}\ndate: {date:%Y-%m-%d %H:%M}\n"
            f"summary: Samenvatting van bericht {b:05d}.\nkind: {kind}\nstatus: approved\n{target}\n"
            f"approved_by: Inspecteur Test\ntags: [{', '.join(tags)}]\n---\n\n{body}\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--networks", type=int, default=50)
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--bulletins", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    generate(a.out, a.networks, a.members, a.bulletins, a.seed)


if __name__ == "__main__":
    main()
