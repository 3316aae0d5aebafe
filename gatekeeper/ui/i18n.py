"""Korean/English translation: pick the language and install the compiled Qt translation."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from gatekeeper.domain.paths import resources_dir

log = logging.getLogger(__name__)

SUPPORTED = ("ko", "en")
_PROPERTY = "_gatekeeper_translator"


def translations_dir() -> Path:
    """Folder holding ``gatekeeper_<lang>.qm`` (bundle-aware)."""
    return resources_dir() / "i18n"


def choose_language(setting: str, system_locale: QLocale | None = None) -> str:
    """``ko`` or ``en``: the setting wins unless it is ``system``; then the system locale decides."""
    if setting in SUPPORTED:
        return setting
    locale = system_locale or QLocale.system()
    if locale.language() == QLocale.Language.Korean:
        return "ko"
    for name in locale.uiLanguages():
        if name.lower().startswith("ko"):
            return "ko"
    return "en"


def install_translator(app: QCoreApplication, language: str = "system") -> str:
    """Install the translator for ``language`` (system/ko/en) on ``app``; returns the language chosen.

    English is the source language, so it needs no file. A missing or unreadable ``.qm`` is logged and
    the UI stays in English (returns ``en``) rather than failing to start.
    """
    chosen = choose_language(language)
    for previous in getattr(app, _PROPERTY, None) or ():
        app.removeTranslator(previous)
    setattr(app, _PROPERTY, [])
    if chosen == "en":
        return chosen
    qm = translations_dir() / f"gatekeeper_{chosen}.qm"
    translator = QTranslator(app)
    if not qm.is_file() or not translator.load(str(qm)):
        log.warning("translation %s could not be loaded; using English", qm)
        return "en"
    installed = [translator]
    qt_own = QTranslator(app)  # Qt's standard buttons and dialogs (Yes/No, file dialog, calendar)
    if qt_own.load(f"qtbase_{chosen}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        installed.append(qt_own)
    else:
        log.info("Qt's own %s translation is not available; standard buttons stay English", chosen)
    for t in installed:
        app.installTranslator(t)
    setattr(app, _PROPERTY, installed)
    log.info("language %s (%s)", chosen, qm.name)
    return chosen

