"""How a lab's file becomes the classifier's input before adaptation sees it."""

from collections.abc import Callable

from PIL import Image

from ml.serving import load_detector, route_image


def routed_framing() -> Callable[[Image.Image], Image.Image | None]:
    """The portal's route (ml.serving.route_image): a single-cell frame as it is, a field's
    strongest white cell cropped as PBC frames one; None where the route classifies nothing."""
    detector = load_detector("fields")

    def frame(image: Image.Image) -> Image.Image | None:
        route = route_image(image.convert("RGB"), detector)
        return route.inputs[0] if route.inputs else None

    return frame


FRAMINGS: dict[str, Callable[[], Callable[[Image.Image], Image.Image | None] | None]] = {
    "whole": lambda: None,
    "route": routed_framing,
}
