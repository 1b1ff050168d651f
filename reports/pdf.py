"""The case report as a PDF (WeasyPrint), from templates/reports/report_pdf.html.

It carries the lab, the case (accession, pseudonymous patient reference, specimen, priority,
clinical note), the differential with counts, shares, their 95 % intervals and the lab's
reference intervals (H/L marks), the white cells counted against the lab's target, the smear
fields' platelet estimate and red cells per field, every image with its predicted and final
label, the model version, the reviewers and the signer by name and title, and the pathologist's
comment. Until the case is signed off every page
is watermarked DRAFT. Rows never break across pages and each page says "Page x of y". Nothing is
fetched while rendering: thumbnails are inline data: URIs and any other URL is refused.
"""

import logging

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from classifier.case_rows import case_count, case_differential, case_rows
from classifier.count_texts import count_summary
from classifier.labels import display_label
from classifier.models import Case
from reports.results import result_rows, reviewer_names
from reports.thumbnails import thumbnail_data_uri
from review.services import latest_sign_off


def report_context(case: Case) -> dict:
    rows = case_rows(case)
    differential = case_differential(case, rows)
    sign_off = latest_sign_off(case) if case.is_signed else None
    return {
        "case": case,
        "lab": case.lab,
        "differential": differential,
        "results": result_rows(case, differential),
        "count": count_summary(case_count(case, differential), case.is_signed),
        "images": [
            {
                "row": row,
                "predicted": display_label(row.predicted),
                "final": display_label(row.final),
                "thumbnail": thumbnail_data_uri(row.image),
            }
            for row in rows
        ],
        "model_versions": sorted({row.model_version for row in rows if row.model_version}),
        "reviewers": reviewer_names(rows),
        "sign_off": sign_off,
        "draft": sign_off is None,
        "generated": timezone.now(),
        "page_counter": page_counter_css(),
    }


def page_counter_css() -> str:
    """The CSS `content` value of the footer's "Page x of y", from one translated sentence
    (a translation may put the two numbers in another order)."""
    marker = "\x00"
    sentence = _("Page %(page)s of %(pages)s") % {
        "page": f"{marker}page{marker}",
        "pages": f"{marker}pages{marker}",
    }
    css = []
    for index, part in enumerate(sentence.split(marker)):
        if index % 2:
            css.append(f"counter({part})")
        elif part:
            # The value is written into a <style> element: no quote, backslash or "<".
            css.append('"' + "".join(c for c in part if c not in '"\\<') + '"')
    return " ".join(css)


def render_pdf(case: Case) -> bytes:
    # Imported here: WeasyPrint is slow to import and only report downloads need it.
    from PIL import ImageFile
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Importing WeasyPrint turns on Pillow's process-wide "load truncated images"; uploads and
    # ml decoding must keep refusing truncated files, and our thumbnails are whole images.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    # Its per-step progress messages would fill the INFO log with seven lines per report.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # In the lab's report language, whoever downloads it.
    with translation.override(case.lab.report_language):
        html = render_to_string("reports/report_pdf.html", report_context(case))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
