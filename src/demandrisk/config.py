"""The model configuration: indicators, their hierarchy, weights and bands.

A model is a TOML file loaded into frozen pydantic models that forbid unknown
keys, so a typo is an error rather than a silently ignored setting. The shipped
default lives in ``default_model.toml`` beside this module; users pass their own
file (``--config my.toml``) or a :class:`ModelConfig` object.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from ._paths import default_config_path
from .errors import ConfigError

__all__ = [
    "BandThresholds",
    "Group",
    "Indicator",
    "ModelConfig",
    "RedFlag",
    "SourceRef",
    "TierSettings",
    "load_config",
]

ROOT = "index"
BAND_ORDER: tuple[str, ...] = ("low", "medium", "high", "severe")
TABLES = ("supplier", "country_sector", "sector", "country", "goods")
BASIS_OF_TABLE = {
    "supplier": "supplier",
    "goods": "supplier",  # the listing is looked up from the supplier's own good
    "country_sector": "country-sector-prior",
    "sector": "sector-prior",
    "country": "country-prior",
}
# Named models shipped with demandrisk: ``load_config("v1")``. v1 stays
# loadable so that audits scored with it can be rescored and diffed.
NAMED_MODELS = {"v1": "model_v1.toml", "v2": "default_model.toml"}
Basis = Literal["supplier", "country-sector-prior", "sector-prior", "country-prior"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Frozen):
    """Where an indicator's raw value comes from.

    ``table`` is ``supplier`` (a column of the input), ``country_sector``
    (the value for the supplier's country and division, else its country and
    section, from ``country_sector.csv``), ``sector`` (the division's global
    profile, else its section's) or ``country`` (a field of the country's
    profile), or ``goods`` (the DOL listing of the supplier's good in its
    country: field ``listing``). ``scale`` converts units, e.g. 0.01 for
    percent to share.
    """

    table: Literal["supplier", "country_sector", "sector", "country", "goods"]
    field: str = Field(min_length=1)
    scale: float = 1.0


class Indicator(_Frozen):
    """One measured quantity, normalised to [0, 1] and weighted.

    ``neutral`` is the raw value at which the indicator neither signals risk
    nor safety (for categories: the mapped number). Only a value beyond it,
    in the direction of risk and resting on data rather than a fallback, is
    ever given as a reason for a score. Default: the midpoint of the
    goalposts.
    """

    label: str
    parent: str = ROOT
    weight: float = Field(ge=0)
    direction: Literal[1, -1] = 1
    unit: str = ""
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    categories: dict[str, float] | None = None
    normalisation: Literal["goalposts", "minmax", "zscore", "percentile"] = "goalposts"
    goalposts: tuple[float, float] | None = None
    fallback: float | None = None
    neutral: float | None = None
    value_labels: dict[str, str] | None = None
    fallback_rationale: str = ""
    reason: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    rationale: str = ""

    @model_validator(mode="after")
    def _goalposts_when_needed(self) -> Indicator:
        if self.normalisation == "goalposts":
            if self.goalposts is None:
                raise ValueError(
                    "normalisation 'goalposts' needs goalposts = [low, high]"
                )
        if self.goalposts is not None and not self.goalposts[0] < self.goalposts[1]:
            raise ValueError(
                "goalposts must be [low, high] with low < high, "
                f"got {list(self.goalposts)}"
            )
        return self

    def neutral_value(self) -> float | None:
        """Return the neutral raw value (``neutral``, else the goalposts' midpoint)."""
        if self.neutral is not None:
            return self.neutral
        if self.goalposts is not None:
            return (self.goalposts[0] + self.goalposts[1]) / 2
        return None


class Group(_Frozen):
    """A node of the hierarchy above indicators (a pillar, a sub-pillar...)."""

    label: str
    parent: str = ROOT
    weight: float = Field(ge=0)


class BandThresholds(_Frozen):
    """Lower score bounds of the bands above ``low`` (``low`` starts at 0)."""

    medium: float = Field(gt=0, le=100)
    high: float = Field(gt=0, le=100)
    severe: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _increasing(self) -> BandThresholds:
        if not self.medium < self.high < self.severe:
            raise ValueError(
                "band thresholds must increase: medium < high < severe, got "
                f"medium={self.medium}, high={self.high}, severe={self.severe}"
            )
        return self

    def lower_bound(self, band: str) -> float:
        """Return the lowest score of ``band`` (0 for ``low``)."""
        return 0.0 if band == "low" else float(getattr(self, band))


class RedFlag(_Frozen):
    """A documented fact that puts a floor under the band.

    The flag fires where indicator ``indicator`` has a raw value of at least
    ``at_least`` resting on one of ``basis`` (by default the supplier's own
    data, never a prior).
    """

    indicator: str
    at_least: float
    basis: tuple[Basis, ...] = ("supplier",)
    floor: Literal["medium", "high", "severe"]
    reason: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    message: str


class TierSettings(_Frozen):
    """How risk travels up the supply graph (see :mod:`demandrisk.tiers`).

    ``worst-link``: a supplier's chain score is
    ``max(own, damping * max(chain score of its suppliers))``.
    ``damped-sum``: ``R = (1 - damping) * r + damping * A @ R`` with ``A`` the
    share-weighted adjacency, bounded to 0-100.
    """

    method: Literal["worst-link", "damped-sum"] = "worst-link"
    damping: float = Field(default=0.85, ge=0.0, le=1.0)


class ModelConfig(_Frozen):
    """A complete scoring model.

    Examples
    --------
    >>> config = load_config()
    >>> round(sum(config.effective_weights().values()), 12)
    1.0
    """

    name: str
    version: str
    description: str = ""
    aggregation: Literal["arithmetic", "geometric"] = "arithmetic"
    missing: Literal["prior", "pessimistic", "reweight"] = "prior"
    top_reasons: int = Field(default=3, ge=1, le=20)
    bands: BandThresholds | None = None
    bands_rationale: str = ""
    groups: dict[str, Group] = Field(default_factory=dict)
    indicators: dict[str, Indicator] = Field(min_length=1)
    red_flags: dict[str, RedFlag] = Field(default_factory=dict)
    tiers: TierSettings = Field(default_factory=TierSettings)

    @field_validator("indicators", "groups")
    @classmethod
    def _slug_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if not key.replace("_", "").isalnum() or not key[0].isalpha():
                raise ValueError(
                    f"names must be letters, digits and '_' starting with a letter, "
                    f"got {key!r}"
                )
        return value

    @model_validator(mode="after")
    def _tree_is_sound(self) -> ModelConfig:
        if ROOT in self.groups or ROOT in self.indicators:
            raise ValueError(f"'{ROOT}' is the implicit root and cannot be redefined")
        clash = set(self.groups) & set(self.indicators)
        if clash:
            raise ValueError(
                f"names used for both a group and an indicator: {sorted(clash)}"
            )
        allowed = sorted({ROOT, *self.groups})
        for kind, nodes in (("indicators", self.indicators), ("groups", self.groups)):
            for key, node in nodes.items():
                if node.parent not in allowed:
                    raise ValueError(
                        f"{kind}.{key}.parent must be one of {allowed}, "
                        f"got {node.parent!r}"
                    )
        for key in self.groups:  # walk up from each group: a cycle never reaches ROOT
            seen = {key}
            parent = self.groups[key].parent
            while parent != ROOT:
                if parent in seen:
                    raise ValueError(f"groups form a cycle through {sorted(seen)}")
                seen.add(parent)
                parent = self.groups[parent].parent
        if self.red_flags and self.bands is None:
            raise ValueError(
                "red_flags set a floor on the band: the model needs [bands] too"
            )
        for key, flag in self.red_flags.items():
            if flag.indicator not in self.indicators:
                raise ValueError(
                    f"red_flags.{key}.indicator must be one of "
                    f"{sorted(self.indicators)}, got {flag.indicator!r}"
                )
        if sum(ind.weight for ind in self.indicators.values()) <= 0:
            raise ValueError("at least one indicator needs a positive weight")
        return self

    def path(self, indicator: str) -> list[str]:
        """Return the nodes from ``indicator`` up to (not including) the root."""
        nodes = [indicator]
        parent = self.indicators[indicator].parent
        while parent != ROOT:
            nodes.append(parent)
            parent = self.groups[parent].parent
        return nodes

    def children(self, node: str) -> list[str]:
        """Return the direct children (groups and indicators) of ``node``."""
        kids = [k for k, g in self.groups.items() if g.parent == node]
        return kids + [k for k, i in self.indicators.items() if i.parent == node]

    def node_weight(self, node: str) -> float:
        """Return the configured (unnormalised) weight of a group or indicator."""
        if node in self.indicators:
            return self.indicators[node].weight
        return self.groups[node].weight

    def effective_weights(self) -> dict[str, float]:
        """Return each indicator's weight in the index when all data are present.

        The product of the weights along the indicator's path, each normalised
        among its siblings, so the weights sum to 1.
        """
        weights: dict[str, float] = {}
        for code in self.indicators:
            weight = 1.0
            for node in self.path(code):
                parent = (
                    self.indicators[node].parent
                    if node in self.indicators
                    else self.groups[node].parent
                )
                total = sum(self.node_weight(s) for s in self.children(parent))
                weight *= self.node_weight(node) / total if total > 0 else 0.0
            weights[code] = weight
        return weights

    @property
    def indicator_codes(self) -> list[str]:
        """Indicator codes in config order (the order of output columns)."""
        return list(self.indicators)

    def tables(self) -> set[str]:
        """Return the source tables the model reads (``supplier``, ``sector``...)."""
        return {ref.table for ind in self.indicators.values() for ref in ind.sources}

    def required_columns(self) -> tuple[str, ...]:
        """Return the input columns the model cannot score without.

        ``supplier_id`` always; ``country`` when a country, country x sector or
        goods table is read; ``sector`` when a sector or country x sector table
        is read. A model of the input's own columns needs neither.

        Examples
        --------
        >>> load_config().required_columns()
        ('supplier_id', 'country', 'sector')
        """
        tables = self.tables()
        needed = ["supplier_id"]
        if tables & {"country", "country_sector", "goods"}:
            needed.append("country")
        if tables & {"sector", "country_sector"}:
            needed.append("sector")
        return tuple(needed)

    def group_codes(self) -> list[str]:
        """Group names in config order (the order of ``score_<group>`` columns)."""
        return list(self.groups)

    def indicators_under(self, group: str) -> list[str]:
        """Return the indicators anywhere below ``group``, in config order."""
        return [code for code in self.indicators if group in self.path(code)]


def _format_pydantic_error(error: PydanticValidationError, origin: str) -> str:
    lines = []
    for item in error.errors()[:10]:
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        got = item.get("input")
        if item["type"] == "extra_forbidden":
            lines.append(
                f"{origin}: unknown key '{key}' (not part of the model schema)"
            )
            continue
        shown = repr(got) if not isinstance(got, Mapping) else "a table"
        lines.append(f"{origin}: key '{key}': {message}; got {shown}")
    more = len(error.errors()) - 10
    if more > 0:
        lines.append(f"... and {more} more")
    return "Invalid model config:\n  " + "\n  ".join(lines)


def config_from_mapping(data: Mapping[str, Any], origin: str = "<dict>") -> ModelConfig:
    """Build a :class:`ModelConfig` from parsed TOML, raising :class:`ConfigError`.

    Examples
    --------
    >>> config_from_mapping({"name": "x"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    demandrisk.errors.ConfigError: Invalid model config:...
    """
    try:
        return ModelConfig.model_validate(dict(data))
    except PydanticValidationError as error:
        raise ConfigError(_format_pydantic_error(error, origin)) from None


def load_config(
    source: str | Path | ModelConfig | Mapping[str, Any] | None = None,
) -> ModelConfig:
    """Load a model config from a TOML path, a mapping, or return the default.

    Parameters
    ----------
    source : str, Path, ModelConfig, mapping or None
        ``None`` loads the default model shipped with demandrisk; ``"v1"`` or
        ``"v2"`` a named model shipped with it (v2 is the default).

    Returns
    -------
    ModelConfig

    Examples
    --------
    >>> load_config().name
    'demandrisk-v2'
    >>> load_config("v1").version
    '2026.11'
    >>> load_config(Path("v1")).name   # as the command line passes it
    'demandrisk-default'
    """
    if isinstance(source, ModelConfig):
        return source
    if isinstance(source, Mapping):
        return config_from_mapping(source)
    # From the command line a name arrives as a Path; a file of that name wins.
    name = str(source) if isinstance(source, str | Path) else ""
    if name in NAMED_MODELS and not Path(name).exists():
        path = default_config_path().with_name(NAMED_MODELS[name])
        return load_config(path)
    path = Path(source) if source is not None else default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"Cannot read model config {path}: {error.strerror}"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return config_from_mapping(data, origin=str(path))


def config_sha256(config: ModelConfig) -> str:
    """Return a stable fingerprint of a config (for manifests and diffs)."""
    import hashlib

    return hashlib.sha256(config.model_dump_json().encode("utf-8")).hexdigest()
