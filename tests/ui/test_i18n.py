"""Translation: Korean loads and shows in real widgets; no ui string bypasses Qt's translation."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gatekeeper.domain.settings import Settings
from gatekeeper.ui.i18n import choose_language, install_translator, translations_dir
from gatekeeper.ui.plate_edit import PlateEdit
from gatekeeper.ui.settings_dialog import SettingsDialog

UI_DIR = Path(__file__).resolve().parents[2] / "gatekeeper" / "ui"

# Widgets/methods whose string argument is shown to the operator.
_TEXT_CTORS = {"QLabel", "QPushButton", "QAction", "QCheckBox", "QRadioButton", "QGroupBox", "QToolButton",
               "QMenu"}
_TEXT_METHODS = {"setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip",
                 "setTitle", "addTab", "addAction", "addMenu", "showMessage", "setLabelText",
                 "setInformativeText", "setSuffix", "setPrefix", "setSpecialValueText"}
_DIALOG_CLASSES = {"QMessageBox", "QFileDialog", "QInputDialog"}
_TEXT_KEYWORDS = {"text", "title", "toolTip", "statusTip", "placeholderText", "windowTitle", "caption"}


def _is_user_text(node: ast.AST) -> bool:
    """A str literal with letters in it (format strings, punctuation and numbers are fine)."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and any(ch.isalpha() for ch in node.value))


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def untranslated_literals(path: Path) -> list[str]:
    """``file:line: call("text")`` for each user-visible str literal passed straight to a widget."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        static_dialog = isinstance(owner, ast.Name) and owner.id in _DIALOG_CLASSES
        if name in _TEXT_CTORS or name in _TEXT_METHODS or static_dialog:
            shown = [k.value for k in node.keywords if k.arg in _TEXT_KEYWORDS]
            for arg in [*node.args, *shown]:
                if _is_user_text(arg):
                    found.append(f"{path.name}:{node.lineno}: {name}({arg.value!r})")
    return found


def test_no_ui_file_shows_untranslated_literals() -> None:
    files = sorted(UI_DIR.glob("*.py"))
    assert len(files) >= 5
    problems = [p for f in files for p in untranslated_literals(f)]
    assert problems == [], "wrap these in self.tr()/QCoreApplication.translate():\n" + "\n".join(problems)


def test_checker_catches_a_bare_literal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("b = QPushButton('Delete', objectName='del')\nlabel.setText(self.tr('ok'))\n"
                   "w.setWindowTitle('Gate')\nlog.warning('not shown %s', x)\n"
                   "QMessageBox.warning(self, 'Oops', str(e))\nQLabel(objectName='x', text='Hi')\n")
    assert untranslated_literals(bad) == ["bad.py:1: QPushButton('Delete')",
                                          "bad.py:3: setWindowTitle('Gate')",
                                          "bad.py:5: warning('Oops')",
                                          "bad.py:6: QLabel('Hi')"]


def test_language_choice() -> None:
    assert choose_language("ko", QLocale(QLocale.Language.English)) == "ko"
    assert choose_language("en", QLocale(QLocale.Language.Korean)) == "en"
    assert choose_language("system", QLocale("ko_KR")) == "ko"
    assert choose_language("system", QLocale("de_DE")) == "en"


def test_korean_translation_loads_and_shows(qtbot) -> None:
    app = QApplication.instance()
    assert (translations_dir() / "gatekeeper_ko.qm").is_file()
    try:
        assert install_translator(app, "ko") == "ko"
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "설정"
        assert dialog.tabs.tabText(0) == "카메라"
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).text()
        assert save == "저장"
        plate = PlateEdit("12가3456")
        qtbot.addWidget(plate)
        assert plate.message.text() == "올바른 번호판: 12가3456 (한국 비사업용)"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "취소"  # Qt's own buttons
    finally:
        assert install_translator(app, "en") == "en"
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Settings"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def _messages(ts: Path) -> dict[tuple[str, str], str]:
    """(context, source) -> translation ('' when unfinished) of a .ts file."""
    out = {}
    for ctx in ElementTree.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            done = tr is not None and tr.get("type") not in ("unfinished", "obsolete", "vanished")
            text = "".join(tr.itertext()) if done else ""
            out[(name, msg.findtext("source"))] = text
    return out


def test_every_ui_string_has_a_korean_translation(tmp_path: Path) -> None:
    """Extract the strings of the current ui sources and check the shipped .ts translates each one."""
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip("pyside6-lupdate is not installed next to this Python")
    fresh = tmp_path / "fresh.ts"
    subprocess.run([str(lupdate), *map(str, sorted(UI_DIR.glob("*.py"))), "-ts", str(fresh)],
                   check=True, capture_output=True, timeout=120)
    wanted = _messages(fresh)
    shipped = _messages(translations_dir() / "gatekeeper_ko.ts")
    assert len(wanted) >= 100
    # ``obj.tr()`` on a variable gets the variable's name as context in lupdate but the class name at
    # run time, so such strings would never be translated: use QCoreApplication.translate("Class", ...).
    odd = sorted({ctx for ctx, _ in wanted if not ctx[:1].isupper()})
    assert odd == [], f"tr() called on a variable (context {odd}); use QCoreApplication.translate"
    missing = sorted(k for k in wanted if not shipped.get(k, "").strip())
    assert missing == [], "run build/update-translations.sh and translate:\n" + "\n".join(map(str, missing))
    compiled = QTranslator()
    assert compiled.load(str(translations_dir() / "gatekeeper_ko.qm"))
    stale = [k for k in wanted if "%n" not in k[1] and compiled.translate(k[0], k[1]) != shipped[k]]
    assert stale == [], "gatekeeper_ko.qm is older than the .ts; run build/update-translations.sh"
