"""The README's main command on the sample zone: check, build, deliver what is due, say where to look."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
from pathlib import Path

from conftest import FIXED_NOW, copy_sample


def test_binpost_run_on_the_sample_zone(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "zone")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINPOST_")}
    env.update(BINPOST_NOW=FIXED_NOW, NO_MKDOCS_2_WARNING="1")
    r = subprocess.run([sys.executable, "-m", "mailer", "-C", str(root), "run"], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (root / "site" / "index.html").exists() and (root / "site" / "feeds" / "alle-berichten.rss.xml").exists()
    box = mailbox.Maildir(root / "outbox" / "Maildir", create=False)
    assert len(box) > 20
    assert f"{len(box)} message(s)" in r.stdout
    assert "outbox/index.html" in r.stdout and "site/index.html" in r.stdout
    for line in r.stdout.splitlines() + r.stderr.splitlines():  # no member data on the terminal
        assert "@example.org" not in line and "@example.net" not in line
    again = subprocess.run([sys.executable, "-m", "mailer", "-C", str(root), "run"], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "0 message(s) in 0 edition(s)" in again.stdout
    assert len(mailbox.Maildir(root / "outbox" / "Maildir", create=False)) == len(box)


def test_send_due_when_nothing_is_due_does_not_render(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "zone")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINPOST_")}
    env.update(BINPOST_NOW=FIXED_NOW)
    first = subprocess.run([sys.executable, "-m", "mailer", "-C", str(root), "send", "--due"], env=env,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    code = ("import sys, runpy; sys.argv=['binpost'] + sys.argv[1:]; "
            "from mailer.cli import main; rc = main(sys.argv[1:]); "
            "print('LOADED', ' '.join(sorted(m for m in ('mjml', 'mkdocs', 'feedgen') if m in sys.modules)), "
            "file=sys.stderr); sys.exit(rc)")
    second = subprocess.run([sys.executable, "-c", code, "-C", str(root), "send", "--due"], env=env,
                            capture_output=True, text=True)
    assert second.returncode == 0 and "nothing to send" in second.stdout
    assert "LOADED \n" in second.stderr or second.stderr.strip().endswith("LOADED")  # no renderer or site engine
