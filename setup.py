"""The wheel carries everything the app needs at run time: besides the ``collab`` and
``graphs`` packages, the checkout's ``templates/``, ``static/``, ``migrations/``,
``translations/`` (with the compiled catalogue) and ``seeds/``, copied into
``collab/_files/`` (where :func:`collab._files` finds them when no checkout is around).
Metadata and dependencies are in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FILES = ("templates", "static", "migrations", "translations", "seeds")


class BuildWithFiles(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install uses the checkout itself
        po = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
        if po.exists():  # compile the English catalogue into the copy
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po
        target = Path(self.build_lib) / "collab" / "_files"
        for name in FILES:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if po.exists():
            with po.open("rb") as f:
                catalogue = read_po(f)
            mo = target / "translations" / "en" / "LC_MESSAGES" / "messages.mo"
            with mo.open("wb") as f:
                write_mo(f, catalogue)


setup(cmdclass={"build_py": BuildWithFiles})
