"""`python -m ml explain`: a PNG written for one image, an unknown label refused."""

import pytest
from PIL import Image

from tests.ml.conftest import FIXTURE_IMAGES, run_command

PBC_IMAGE = FIXTURE_IMAGES / "monocyte" / "pbc_MO_100695.jpg"


@pytest.mark.parametrize("method", ["gradcam", "lime"])
def test_the_command_writes_a_png(tiny_bundle, tmp_path, method, capsys):
    out = tmp_path / "explained.png"
    argv = ["--model", str(tiny_bundle), str(PBC_IMAGE), "--method", method, "--out", str(out)]

    code = run_command("explain", [*argv, "--samples", "60"])

    assert code == 0
    with Image.open(out) as drawing:
        assert drawing.format == "PNG"
        assert drawing.size == Image.open(PBC_IMAGE).size
    assert method in capsys.readouterr().out


def test_the_command_rejects_an_unknown_label(tiny_bundle, tmp_path, capsys):
    argv = ["--model", str(tiny_bundle), str(PBC_IMAGE), "--out", str(tmp_path / "x.png")]

    code = run_command("explain", [*argv, "--label", "smudge_cell"])

    assert code == 2
    assert "--label" in capsys.readouterr().err
