"""How a lab's file becomes the classifier's input before adaptation sees it."""

from collections.abc import Callable

from PIL import Image

from ml.serving import crop_cell, load_detector


def finder_framing() -> Callable[[Image.Image], Image.Image]:
    """The strongest WBC the cell finder sees, cropped as PBC frames a cell (the whole image
    when it finds none)."""
    detector = load_detector("fields")
    fill_share = float(detector.metadata["wbc_crop"]["fill_share"])

    def frame(image: Image.Image) -> Image.Image:
        image = image.convert("RGB")
        wbcs = [cell for cell in detector.find_cells(image) if cell.kind == "wbc"]
        if not wbcs:
            return image
        return crop_cell(image, wbcs[0].box, fill_share)

    return frame


FRAMINGS: dict[str, Callable[[], Callable[[Image.Image], Image.Image] | None]] = {
    "whole": lambda: None,
    "finder": finder_framing,
}
