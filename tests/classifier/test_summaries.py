"""classifier.summaries: the words and numbers the case page and its poll share."""

from classifier.summaries import image_counts, progress_text, share_text


def test_counts_split_done_pending_and_failed():
    statuses = ["done", "done", "queued", "running", "failed"]
    assert image_counts(statuses) == {"total": 5, "done": 2, "pending": 2, "failed": 1}


def test_progress_says_how_many_are_still_pending():
    counts = {"total": 20, "done": 18, "pending": 2, "failed": 0}
    assert progress_text(counts) == "18 of 20 classified, 2 pending"


def test_progress_without_pending_images_names_failures():
    counts = {"total": 20, "done": 19, "pending": 0, "failed": 1}
    assert progress_text(counts) == "19 of 20 classified · 1 failed"


def test_shares_are_of_leukocytes_or_per_100_leukocytes():
    assert share_text({"percent": 62.5}) == "62.5 %"
    assert share_text({"percent": None, "per_100_leukocytes": 12.0}) == "12.0 / 100 WBC"
    assert share_text({"percent": None, "per_100_leukocytes": None}) == "—"
