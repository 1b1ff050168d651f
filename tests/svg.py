"""Read the text of a chart served as SVG: parsing it also proves the file is well-formed XML."""

from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(content: bytes) -> set[str]:
    """Every `<text>` of the SVG, as the browser will shape it."""
    root = ElementTree.fromstring(content)
    assert root.tag == f"{SVG}svg"
    return {"".join(node.itertext()) for node in root.iter(f"{SVG}text")}
