"""Model config: the default loads; bad configs fail naming key and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import pytest

import demandrisk
from demandrisk import ConfigError, ModelConfig, load_config
from demandrisk._paths import default_config_path


def test_default_config_loads(default_toml):
    config = load_config()
    assert isinstance(config, ModelConfig)
    assert config.name == default_toml["name"]
    assert config.indicator_codes == list(default_toml["indicators"])
    assert config.bands.high == default_toml["bands"]["high"]
    # The same model, whichever way it is passed.
    assert load_config(default_config_path()) == config
    assert load_config(str(default_config_path())) == config
    assert load_config(default_toml) == config
    assert load_config(config) is config


def test_effective_weights_sum_to_one_and_follow_the_tree(default_toml):
    weights = load_config().effective_weights()
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-12)
    groups = default_toml["groups"]
    total = sum(g["weight"] for g in groups.values())
    for name, group in groups.items():
        members = [
            c for c, i in default_toml["indicators"].items() if i["parent"] == name
        ]
        share = sum(weights[c] for c in members)
        assert share == pytest.approx(group["weight"] / total, abs=1e-12), name


def test_config_is_frozen():
    config = load_config()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        config.name = "changed"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        config.bands.high = 10.0  # type: ignore[misc]


def _error(model: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(model)
    return str(caught.value)


def test_unknown_top_level_key(model_dict):
    model_dict["agregation"] = "arithmetic"
    with pytest.raises(ConfigError, match=r"unknown key 'agregation'"):
        load_config(model_dict)


def test_unknown_nested_key(model_dict):
    model_dict["indicators"]["work_margin"]["wieght"] = 2.0
    with pytest.raises(
        ConfigError, match=r"unknown key 'indicators\.work_margin\.wieght'"
    ):
        load_config(model_dict)


def test_wrong_aggregation_lists_allowed_values(model_dict):
    model_dict["aggregation"] = "median"
    message = _error(model_dict)
    assert "key 'aggregation'" in message
    assert "'arithmetic'" in message and "'geometric'" in message
    assert "got 'median'" in message


def test_wrong_missing_policy_lists_allowed_values(model_dict):
    model_dict["missing"] = "zero"
    with pytest.raises(
        ConfigError,
        match=r"key 'missing'.*'prior', 'pessimistic' or 'reweight'.*got 'zero'",
    ):
        load_config(model_dict)


def test_goalposts_low_must_be_below_high(model_dict):
    model_dict["indicators"]["work_margin"]["goalposts"] = [25.0, 0.0]
    with pytest.raises(
        ConfigError,
        match=r"key 'indicators\.work_margin'.*goalposts must be \[low, high\] "
        r"with low < high, got \[25\.0, 0\.0\]",
    ):
        load_config(model_dict)


def test_equal_goalposts_rejected(model_dict):
    model_dict["indicators"]["audit_findings"]["goalposts"] = [3.0, 3.0]
    with pytest.raises(ConfigError, match=r"low < high, got \[3\.0, 3\.0\]"):
        load_config(model_dict)


def test_unknown_parent_group(model_dict):
    model_dict["indicators"]["work_margin"]["parent"] = "sectr"
    with pytest.raises(
        ConfigError,
        match=r"indicators\.work_margin\.parent must be one of "
        r"\['country', 'evidence', 'index', 'work'\], got 'sectr'",
    ):
        load_config(model_dict)


def test_band_thresholds_must_increase(model_dict):
    model_dict["bands"] = {"medium": 25.0, "high": 70.0, "severe": 65.0}
    with pytest.raises(
        ConfigError,
        match=r"key 'bands'.*band thresholds must increase: medium < high < severe, "
        r"got medium=25\.0, high=70\.0, severe=65\.0",
    ):
        load_config(model_dict)


def test_band_threshold_out_of_range(model_dict):
    model_dict["bands"]["severe"] = 120.0
    with pytest.raises(ConfigError, match=r"key 'bands\.severe'.*got 120\.0"):
        load_config(model_dict)


def test_red_flag_naming_unknown_indicator(model_dict):
    model_dict["red_flags"]["forced-labour-good"]["indicator"] = "listed_goods"
    with pytest.raises(
        ConfigError,
        match=r"red_flags\.forced-labour-good\.indicator must be one of \[.*"
        r"'listed_good'.*\], got 'listed_goods'",
    ):
        load_config(model_dict)


def test_group_cycle_rejected(model_dict):
    model_dict["groups"]["work"]["parent"] = "country"
    model_dict["groups"]["country"]["parent"] = "work"
    with pytest.raises(ConfigError, match=r"groups form a cycle"):
        load_config(model_dict)


def test_invalid_toml_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nversion = \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{path.name}: not valid TOML"):
        load_config(path)


def test_missing_config_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"Cannot read model config .*nope\.toml"):
        load_config(path)


def test_toml_file_errors_name_the_file(tmp_path, default_toml):
    text = default_config_path().read_text(encoding="utf-8")
    path = tmp_path / "model.toml"
    path.write_text(text.replace('aggregation = "arithmetic"', 'aggregation = "max"'))
    with pytest.raises(
        ConfigError, match=rf"{path.name}: key 'aggregation'.*got 'max'"
    ):
        load_config(path)


def test_config_error_is_a_value_error(model_dict):
    model_dict["top_reasons"] = 0
    with pytest.raises(ValueError, match=r"key 'top_reasons'.*got 0"):
        load_config(model_dict)
    assert issubclass(ConfigError, demandrisk.DemandRiskError)


def test_score_accepts_config_path_and_dict(tmp_path, model_dict, example_path):
    model_dict["aggregation"] = "geometric"
    from_dict = demandrisk.score(example_path, model_dict)
    path: Path = tmp_path / "geo.toml"
    text = default_config_path().read_text(encoding="utf-8")
    path.write_text(text.replace('"arithmetic"', '"geometric"'), encoding="utf-8")
    from_file = demandrisk.score(example_path, path)
    assert from_file.config == from_dict.config
    assert from_file.scores["risk_score"].tolist() == (
        from_dict.scores["risk_score"].tolist()
    )
