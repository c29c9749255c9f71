"""Where the bundled tables and the default model live.

The tables sit in ``data/`` at the repository root. A wheel carries a copy at
``demandrisk/_data`` (hatchling ``force-include``); an editable install has no
such copy, because editable installs only expose ``src/``, so we fall back to
the checkout's ``data/`` two levels above this package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import ReferenceDataError

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir() -> Path:
    """Return the folder holding the bundled reference tables.

    Returns
    -------
    pathlib.Path
        ``demandrisk/_data`` inside an installed wheel, else ``data/`` of the
        source checkout (editable install or running from the tree).

    Examples
    --------
    >>> (data_dir() / "sectors.csv").is_file()
    True
    """
    candidates = [_PACKAGE_DIR / "_data", _PACKAGE_DIR.parents[1] / "data"]
    for candidate in candidates:
        if (candidate / "sectors.csv").is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise ReferenceDataError(
        f"Bundled reference data not found: expected sectors.csv in one of {tried}. "
        "Reinstall demandrisk, or run from a complete checkout."
    )


def default_config_path() -> Path:
    """Return the path of the default model config shipped with the package.

    Examples
    --------
    >>> default_config_path().name
    'default_model.toml'
    """
    return _PACKAGE_DIR / "default_model.toml"
