"""RiskScorer: the scikit-learn contract, and agreement with demandrisk.score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

import demandrisk
from demandrisk.estimator import RiskScorer, indicator_matrix

# No check is skipped: RiskScorer() (the flat model) passes every check of
# check_estimator. sklearn itself skips check_array_api_input unless
# SCIPY_ARRAY_API=1 is set (RiskScorer does not claim array-API support).
# RiskScorer(config=...) fixes the number of features to the model's
# indicators, which the shared checks vary on purpose; it is tested below.


@parametrize_with_checks([RiskScorer()])
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def X(example_result) -> pd.DataFrame:
    return indicator_matrix(example_result)


def test_reproduces_score(example_result, X):
    scorer = RiskScorer(config=example_result.config).fit(X)
    assert np.allclose(scorer.decision_function(X), example_result.scores["risk_score"])
    assert np.array_equal(scorer.score_samples(X), scorer.decision_function(X))
    contributions = scorer.transform(X)
    expected = example_result.scores.filter(like="contrib_").to_numpy()
    assert np.allclose(contributions, expected)
    assert np.allclose(contributions.sum(axis=1), scorer.decision_function(X))
    assert (
        scorer.predict_band(X).tolist() == example_result.scores["risk_band"].tolist()
    )


def test_pandas_output_and_names(example_result, X):
    scorer = RiskScorer(config="default").set_output(transform="pandas").fit(X)
    frame = scorer.transform(X)
    codes = example_result.config.indicator_codes
    assert list(frame.columns) == [f"contrib_{c}" for c in codes] + ["contrib_floor"]
    assert scorer.weights_.sum() == pytest.approx(1.0)
    assert list(scorer.feature_names_in_) == codes


def test_flat_model_by_hand():
    X = np.array([[0.0, 10.0], [1.0, 0.0], [0.5, np.nan]])
    scorer = RiskScorer(weights=[3, 1]).fit(X)
    # min-max: x0 -> (0, 1, .5), x1 -> (1, 0, left out)
    assert scorer.decision_function(X).tolist() == [25.0, 75.0, 50.0]
    assert scorer.get_feature_names_out().tolist() == ["contrib_x0", "contrib_x1"]


def test_pipeline_and_grid_search(X):
    rng = np.random.default_rng(0)
    risk = RiskScorer(config="default").fit(X).decision_function(X)
    y = (rng.uniform(size=len(X)) < 1 / (1 + np.exp(-(-6 + 0.12 * risk)))).astype(int)
    pipe = make_pipeline(
        FunctionTransformer(), RiskScorer(config="default", shrink=1.0)
    )
    search = GridSearchCV(pipe, {"riskscorer__shrink": [0.1, 10.0]}, cv=3).fit(X, y)
    assert search.best_params_["riskscorer__shrink"] in (0.1, 10.0)
    assert 0.5 < search.best_score_ <= 1.0  # ROC AUC
    learned = search.best_estimator_[-1]
    assert learned.weights_.min() >= 0 and learned.weights_.sum() == pytest.approx(1)


@pytest.mark.parametrize(
    ("params", "fit_X", "message"),
    [
        (
            {"weights": [1, -1]},
            np.ones((3, 2)),
            "The 'weights' parameter of RiskScorer",
        ),
        ({"config": 3}, np.ones((3, 2)), "The 'config' parameter of RiskScorer must"),
        ({"config": "default"}, np.ones((3, 2)), "X has 2 features, but the model"),
        ({"shrink": -1.0}, np.ones((4, 2)), "The 'shrink' parameter of RiskScorer"),
    ],
)
def test_bad_parameters(params, fit_X, message):
    y = np.array([0, 1] * (len(fit_X) // 2) + [0] * (len(fit_X) % 2))
    with pytest.raises(ValueError, match=message):
        RiskScorer(**params).fit(fit_X, y)


def test_shrink_needs_binary_y():
    with pytest.raises(ValueError, match="y must hold 0 and 1"):
        RiskScorer(shrink=1.0).fit(np.eye(3), [0, 1, 2])
    assert isinstance(RiskScorer(), demandrisk.RiskScorer)
