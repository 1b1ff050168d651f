"""ml.serving.bundle: bundle.json with format version and file hashes; corrupt bundles are
rejected."""

import json

import pytest

from ml.serving.bundle import (
    FORMAT_VERSION,
    BundleError,
    read_bundle_metadata,
    resolve_bundle,
    update_bundle_metadata,
    write_bundle_metadata,
)

METADATA = {
    "name": "demo",
    "labels": ["a", "b"],
    "input": {"size": 32, "channels": 3, "scaling": "raw_0_255", "resize": "bilinear_stretch"},
    "backbone": "mobilenet_025",
    "initialisation": "imagenet",
    "temperature": 1.5,
    "confidence_threshold": 0.6,
    "split_hash": "abc",
}


@pytest.fixture
def bundle_dir(tmp_path):
    (tmp_path / "model.tflite").write_bytes(b"tflite bytes")
    (tmp_path / "model.keras").write_bytes(b"keras bytes")
    write_bundle_metadata(tmp_path, METADATA, ["model.tflite", "model.keras"])
    return tmp_path


def test_it_reads_back_what_it_wrote(bundle_dir):
    metadata = read_bundle_metadata(bundle_dir)
    assert metadata["format_version"] == FORMAT_VERSION
    assert metadata["labels"] == ["a", "b"]
    assert set(metadata["files"]) == {"model.tflite", "model.keras"}
    assert metadata["created"]


def test_it_rejects_a_corrupted_file(bundle_dir):
    (bundle_dir / "model.tflite").write_bytes(b"tflite bytes, changed")
    with pytest.raises(BundleError, match="corrupt"):
        read_bundle_metadata(bundle_dir)


def test_it_rejects_a_wrong_format_version(bundle_dir):
    metadata = json.loads((bundle_dir / "bundle.json").read_text())
    metadata["format_version"] = FORMAT_VERSION + 1
    (bundle_dir / "bundle.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match="format_version"):
        read_bundle_metadata(bundle_dir)


def test_it_rejects_a_missing_file(bundle_dir):
    (bundle_dir / "model.keras").unlink()
    with pytest.raises(BundleError, match="missing"):
        read_bundle_metadata(bundle_dir)


def test_it_checks_only_the_files_asked_for(bundle_dir):
    (bundle_dir / "model.keras").unlink()
    assert read_bundle_metadata(bundle_dir, verify_files=("model.tflite",))["name"] == "demo"


def test_it_rejects_invalid_json_and_a_missing_bundle_json(bundle_dir, tmp_path_factory):
    with pytest.raises(BundleError, match="missing"):
        read_bundle_metadata(tmp_path_factory.mktemp("empty"))
    (bundle_dir / "bundle.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        read_bundle_metadata(bundle_dir)


def test_it_rejects_metadata_without_labels(bundle_dir):
    metadata = json.loads((bundle_dir / "bundle.json").read_text())
    del metadata["labels"]
    (bundle_dir / "bundle.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match="labels"):
        read_bundle_metadata(bundle_dir)


def test_update_rehashes_and_adds_files(bundle_dir):
    (bundle_dir / "model_int8.tflite").write_bytes(b"int8")
    update_bundle_metadata(bundle_dir, {"files": {"model_int8.tflite": ""}, "temperature": 2.0})
    metadata = read_bundle_metadata(bundle_dir)
    assert set(metadata["files"]) == {"model.tflite", "model.keras", "model_int8.tflite"}
    assert metadata["temperature"] == 2.0


def test_resolve_bundle_follows_aliases_and_paths(bundle_dir, tmp_path_factory):
    bundles = tmp_path_factory.mktemp("bundles")
    (bundles / "demo").mkdir()
    (bundles / "ALIASES.json").write_text(json.dumps({"default": "demo"}))
    assert resolve_bundle("default", bundles) == bundles / "demo"
    assert resolve_bundle("demo", bundles) == bundles / "demo"
    assert resolve_bundle(bundle_dir, bundles) == bundle_dir
    with pytest.raises(BundleError, match="no model bundle"):
        resolve_bundle("nope", bundles)
