"""Every string people see is marked for translation and translated, in every language.

1. Extraction: `makemessages` run over a copy of the sources finds no message that the committed
   catalogues lack (a string marked but not added to locale/), and no catalogue keeps a message
   the sources no longer have.
2. Completeness: no committed catalogue has an untranslated or fuzzy entry, and msgfmt accepts
   each one (placeholders match).
3. Rendered pages: the main pages, rendered in each language, show no text that is also on the
   English page (a string nobody marked), except names such as HematoVision or FHIR.

To fix a failure, update the catalogues as docs/i18n.md says.
"""

import ast
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports.pdf import report_context
from tests.review.helpers import classified_case, make_version

REPO = Path(settings.BASE_DIR)
LOCALE = REPO / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]
# The same options as the update command in docs/i18n.md.
MAKEMESSAGES_IGNORE = [".venv", "research", "ml", "tests", "node_modules", "staticfiles"]


# --- a small .po reader (polib is not a dependency) ---


def _unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list), fuzzy."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("#,")):
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith("#,"):  # flags open an entry
            finish()
            entry, field = {"fuzzy": "fuzzy" in line, "msgstr": []}, None
        elif line.startswith('"'):
            if field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        elif keyword.startswith("msgstr"):
            field = "msgstr"
            entry["msgstr"].append(_unquote(rest))
        else:
            # msgctxt, msgid or msgid_plural; the first two open an entry unless flags just did.
            if keyword in ("msgctxt", "msgid") and (entry is None or "msgid" in entry):
                finish()
                entry = {"fuzzy": False, "msgstr": []}
            field = keyword
            entry[keyword] = _unquote(rest)
    finish()
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def message_keys(path: Path) -> set[tuple[str, str]]:
    return {(e.get("msgctxt", ""), e["msgid"]) for e in read_po(path)}


def po_path(locale_dir: Path, language: str, domain: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}.po"


# --- 1. extraction ---


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set]:
    """{domain: message keys} that makemessages finds in a copy of the sources."""
    copy = tmp_path_factory.mktemp("sources") / "repo"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            "__pycache__",
            "locale",
            "locale_extra",
            "docs",
            "*.mo",
            "*.sqlite3",
            *MAKEMESSAGES_IGNORE,
        ),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        patch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
        for domain in DOMAINS:
            call_command(
                "makemessages",
                locale=["es"],
                domain=domain,
                ignore_patterns=MAKEMESSAGES_IGNORE,
                no_obsolete=True,
                verbosity=0,
            )
    return {domain: message_keys(po_path(copy / "locale", "es", domain)) for domain in DOMAINS}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue(extracted, language, domain):
    committed = message_keys(po_path(LOCALE, language, domain))

    missing = extracted[domain] - committed
    obsolete = committed - extracted[domain]

    assert not missing, f"{language}/{domain}.po lacks (run makemessages): {sorted(missing)}"
    assert not obsolete, f"{language}/{domain}.po keeps (run makemessages): {sorted(obsolete)}"


# --- 2. completeness ---


# Ours for every language, and the hand-kept Hindi of allauth's strings.
CATALOGUES = [po_path(LOCALE, language, domain) for language in LANGUAGES for domain in DOMAINS]
CATALOGUES += sorted((REPO / "locale_extra").glob("*/LC_MESSAGES/*.po"))


def catalogue_id(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=catalogue_id)
def test_every_entry_is_translated(catalogue):
    entries = read_po(catalogue)

    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]

    assert not fuzzy, f"{catalogue}: fuzzy entries {fuzzy}"
    assert not untranslated, f"{catalogue}: untranslated entries {untranslated}"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=catalogue_id)
def test_msgfmt_accepts_the_catalogue(catalogue):
    # --check: placeholders such as %(name)s and the plural forms agree with the msgid.
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", catalogue],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


# --- 3. rendered pages ---

# Names a lab keeps in English, and the language menu (each language in its own name).
ALLOWED = [
    "HematoVision",
    "Grad-CAM",
    "LIME",
    "FHIR",
    "CSV",
    "PDF",
    "API",
    "JSON",
    "ID",
    "TOTP",
    "SHA-256",
    "STAT",
    "Esc",
    "English",
    "español",
    "français",
    "Português",
]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
EMAIL = re.compile(r"\S+@\S+")
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text nodes of a page (and the attributes people read), without scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") == "submit":
                self.texts.append(value or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str, data_values: list[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    texts = set()
    for text in parser.texts:
        for value in [*data_values, *ALLOWED]:
            text = text.replace(value, " ")
        texts.add(" ".join(EMAIL.sub(" ", text).split()))
    return texts


def english_left_over(page_html: str, english_html: str, language: str, data: list[str]):
    """Text on the page that is the same as on the English page and reads as English words."""
    english = visible_texts(english_html, data)
    suspects = []
    for text in visible_texts(page_html, data) & english:
        words = LATIN_WORD.findall(text)
        # Spanish, French and Portuguese share single words with English (Total, Image):
        # only phrases count; in Hindi any Latin word is a left-over.
        if len(words) >= 2 or (language == "hi" and words):
            suspects.append(text)
    return sorted(suspects)


@pytest.fixture
def lab_world(lab_a, pathologist, technologist):
    make_version()
    case = classified_case(lab_a, ["neutrophil", "lymphocyte", "platelet", "monocyte"])
    people = [pathologist, technologist]
    data = [lab_a.name, *(p.get_full_name() for p in people), *(p.email for p in people)]
    data += [case.accession, case.patient_ref, "pbc-test"]
    data += [image.original_name for image in case.images.all()]
    return case, [value for value in data if value]


def pages(case) -> dict[str, str]:
    """The main pages, and a few more; the log-in page is seen logged out."""
    image = case.images.first()
    return {
        "login": reverse("account_login"),
        "case list": reverse("classifier:case_list"),
        "case page": reverse("classifier:case_detail", args=[case.public_id]),
        "new case": reverse("classifier:case_create"),
        "review queue": reverse("review:queue"),
        "review case": reverse("review:case", args=[case.public_id]),
        "review image": reverse("review:image", args=[case.public_id, image.public_id]),
        "gallery": reverse("review:gallery", args=[case.public_id]),
        "profile": reverse("accounts:profile"),
        "not found": "/no-such-page/",
        "history": reverse("review:history", args=[case.public_id]),
        "agreement": reverse("review:agreement"),
        "export": reverse("reports:lab_export"),
        "API tokens": reverse("accounts:tokens"),
    }


@pytest.fixture(scope="module")
def compiled_catalogues():
    """The rendered-page tests read the .mo files, which are built, never committed."""
    stale = [
        catalogue_id(po)
        for po in CATALOGUES
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        pytest.fail(f"run `manage.py compilemessages --ignore=.venv` first; stale: {stale}")


def get_page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_show_no_english(
    compiled_catalogues, client, lab_world, pathologist, language
):
    case, data = lab_world
    found = {}
    for name, url in pages(case).items():
        if name == "login":
            client.logout()
        else:
            client.force_login(pathologist)
        english = get_page(client, url, "en")
        page = get_page(client, url, language)
        assert f'<html lang="{language}">' in page
        if left := english_left_over(page, english, language, data):
            found[name] = left

    assert not found, f"English text on the {language} pages: {found}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_report_shows_no_english(compiled_catalogues, lab_world, language):
    case, data = lab_world

    with translation.override("en"):
        english = render_to_string("reports/report_pdf.html", report_context(case))
    with translation.override(language):
        page = render_to_string("reports/report_pdf.html", report_context(case))

    assert not english_left_over(page, english, language, data)


ADMIN_PAGES = ["members", "invite", "join_requests", "lab_settings"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lab_admin_pages_show_no_english(
    compiled_catalogues, client, lab_world, lab_admin, language
):
    _case, data = lab_world
    data = [*data, lab_admin.email, lab_admin.get_full_name()]
    client.force_login(lab_admin)
    found = {}
    urls = {name: reverse(f"accounts:{name}") for name in ADMIN_PAGES}
    urls["overview"] = reverse("reports:lab_overview")
    urls["model for this lab"] = reverse("review:lab_model")
    urls["domain check"] = reverse("classifier:domain_check")
    for name, url in urls.items():
        english = get_page(client, url, "en")
        page = get_page(client, url, language)
        if left := english_left_over(page, english, language, data):
            found[name] = left

    assert not found, f"English text on the {language} pages: {found}"
