"""Model bundle on disk: bundle.json with a format version and the sha256 of every model file.

A bundle is a directory (see docs/ARCHITECTURE.md). `write_bundle_metadata` hashes the model
files and writes bundle.json atomically. `read_bundle_metadata` rejects a bundle whose bundle.json
is missing or malformed, whose format_version is not FORMAT_VERSION, or whose files do not match
their hashes.
No TensorFlow here: serving imports this module in processes that must stay light.
"""

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

# The shipped bundles, and the file that maps aliases such as "default" to their names.
BUNDLES_DIR = Path(__file__).resolve().parent.parent / "bundles"
ALIASES_FILE = BUNDLES_DIR / "ALIASES.json"
FORMAT_VERSION = 1
METADATA_FILE = "bundle.json"
REQUIRED_KEYS = (
    "format_version",
    "name",
    "labels",
    "input",
    "backbone",
    "initialisation",
    "temperature",
    "confidence_threshold",
    "files",
    "split_hash",
    "created",
)
REQUIRED_INPUT_KEYS = ("size", "channels", "scaling", "resize")


class BundleError(Exception):
    """The bundle is missing, corrupt, of the wrong format version, or incomplete."""


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json_atomic(path: str | os.PathLike, data: dict) -> None:
    """Write JSON to a temporary file in the same directory, then rename it over `path`."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, sort_keys=False)
            out.write("\n")
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only; bundles are read by servers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bundle_metadata(
    bundle_dir: str | os.PathLike, metadata: dict, files: Iterable[str]
) -> dict:
    """Hash `files` (names in `bundle_dir`), add format_version/files/created, write bundle.json.

    Returns the metadata that was written.
    """
    bundle_dir = Path(bundle_dir)
    written = dict(metadata)
    written["format_version"] = FORMAT_VERSION
    written["files"] = {name: sha256_file(bundle_dir / name) for name in files}
    written.setdefault("created", datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    missing = [key for key in REQUIRED_KEYS if key not in written]
    if missing:
        raise BundleError(f"bundle metadata lacks {missing}")
    write_json_atomic(bundle_dir / METADATA_FILE, written)
    return written


def _load_metadata_json(path: Path) -> dict:
    if not path.is_file():
        raise BundleError(f"{path.parent} is not a model bundle: {METADATA_FILE} is missing")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(metadata, dict):
        raise BundleError(f"{path} must hold a JSON object")
    return metadata


def _check_fields(metadata: dict, path: Path) -> None:
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(
            f"{path} has format_version {version!r}; this code reads version {FORMAT_VERSION}"
        )
    missing = [key for key in REQUIRED_KEYS if key not in metadata]
    if missing:
        raise BundleError(f"{path} lacks {missing}")
    labels = metadata["labels"]
    if not isinstance(labels, list) or not labels or len(set(labels)) != len(labels):
        raise BundleError(f"{path}: labels must be a non-empty list of distinct names")
    if not isinstance(metadata["input"], dict) or any(
        key not in metadata["input"] for key in REQUIRED_INPUT_KEYS
    ):
        raise BundleError(f"{path}: input must hold {list(REQUIRED_INPUT_KEYS)}")
    if not isinstance(metadata["files"], dict):
        raise BundleError(f"{path}: files must map file names to sha256 hashes")


def _check_files(bundle_dir: Path, expected: dict, names: Iterable[str]) -> None:
    for name in names:
        if name not in expected:
            raise BundleError(f"{bundle_dir / METADATA_FILE} lists no hash for {name}")
        file_path = bundle_dir / name
        if not file_path.is_file():
            raise BundleError(f"{file_path} is missing")
        if sha256_file(file_path) != expected[name]:
            raise BundleError(f"{file_path} is corrupt: its sha256 does not match {METADATA_FILE}")


def read_bundle_metadata(
    bundle_dir: str | os.PathLike, verify_files: Iterable[str] | None = None
) -> dict:
    """Return bundle.json as a dict after checking version, fields and file hashes.

    `verify_files` names the files whose sha256 must match (default: every file in bundle.json);
    serving passes ("model.tflite",) so that a deployment may leave out model.keras.
    Raises BundleError for any problem.
    """
    bundle_dir = Path(bundle_dir)
    path = bundle_dir / METADATA_FILE
    metadata = _load_metadata_json(path)
    _check_fields(metadata, path)
    names = list(metadata["files"]) if verify_files is None else list(verify_files)
    _check_files(bundle_dir, metadata["files"], names)
    return metadata


def update_bundle_metadata(bundle_dir: str | os.PathLike, changes: dict) -> dict:
    """Merge `changes` into a valid bundle's metadata and rehash its files (e.g. after export)."""
    rewritten = set(changes.get("files", {}))
    metadata = read_bundle_metadata(bundle_dir, verify_files=())
    # Files being rewritten get new hashes; every other file must still match its old one.
    _check_files(Path(bundle_dir), metadata["files"], set(metadata["files"]) - rewritten)
    files = list(dict.fromkeys([*metadata["files"], *rewritten]))
    metadata.update({key: value for key, value in changes.items() if key != "files"})
    return write_bundle_metadata(bundle_dir, metadata, files)


def _aliases(aliases_file: Path) -> dict:
    if not aliases_file.is_file():
        return {}
    try:
        aliases = json.loads(aliases_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{aliases_file} is not valid JSON: {error}") from error
    if not isinstance(aliases, dict):
        raise BundleError(f"{aliases_file} must map alias names to bundle names")
    return aliases


def resolve_bundle(name_or_path: str | os.PathLike, bundles_dir: Path = BUNDLES_DIR) -> Path:
    """Directory of a bundle given an alias ("default"), a shipped name ("pbc8") or a path.

    Raises BundleError naming the shipped bundles when nothing matches.
    """
    candidate = Path(name_or_path)
    if candidate.is_dir():
        return candidate
    name = str(name_or_path)
    name = _aliases(bundles_dir / ALIASES_FILE.name).get(name, name)
    shipped = bundles_dir / name
    if "/" not in name and shipped.is_dir():
        return shipped
    available = (
        sorted(p.name for p in bundles_dir.iterdir() if (p / METADATA_FILE).is_file())
        if (bundles_dir.is_dir())
        else []
    )
    raise BundleError(
        f"no model bundle {str(name_or_path)!r}: give a bundle directory, an alias in "
        f"{ALIASES_FILE.name} or one of {available}"
    )


def require_held_out_validation(metadata: dict, purpose: str) -> None:
    """Refuse to fit anything on the validation split of a refit (`train --refit-from`), which
    was trained on: its views, temperature and threshold come from the bundle it refits."""
    if metadata.get("refit_of"):
        raise BundleError(
            f"{metadata['name']} is a refit on train + validation, so its validation split is "
            f"not held out and cannot be used to {purpose}; do it on "
            f"{metadata['refit_of']['name']} (created {metadata['refit_of']['created']}) and refit"
        )
