"""Screening suppliers against entity lists: names, identifiers, review."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandrisk import screening
from demandrisk.errors import InputDataError
from demandrisk.screening import (
    MATCH_THRESHOLD,
    POTENTIAL_THRESHOLD,
    REVIEW_COLUMNS,
    read_decisions,
    screen,
    write_review,
)
from demandrisk.screening_names import legal_forms, normalise_name
from demandrisk.watchlist import read_watchlist

PAIRS = Path(__file__).parent / "data" / "screening_pairs.csv"


def _entries(names, **columns):
    n = len(names)
    frame = pd.DataFrame(
        {
            "list": "demo",
            "entry_id": [f"E{i + 1}" for i in range(n)],
            "name": names,
            "aliases": [()] * n,
            "countries": [()] * n,
            "identifiers": [()] * n,
            "date": "2024-01-31",
            "status": "listed",
            "active": True,
            "schema": "Company",
            "note": "",
            "row": range(2, n + 2),
        }
    )
    for column, values in columns.items():
        frame[column] = values
    return frame


def _suppliers(names, **columns):
    frame = pd.DataFrame(
        {"supplier_id": [f"S{i + 1}" for i in range(len(names))], "name": names}
    )
    for column, values in columns.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Golden Lotus Garment Co., Ltd.", "golden lotus garment"),
        ("GOLDEN LOTUS GARMENT COMPANY LIMITED", "golden lotus garment"),
        ("Golden Lotus Garment Co.,Ltd", "golden lotus garment"),
        ("Công ty TNHH May Mặc Sao Vàng", "may mac sao vang"),
        ("Sao Mai Knitwear JSC", "sao mai knitwear"),
        ("Textiles del Bajío, S.A. de C.V.", "textiles del bajio"),
        ("Textiles del Bajio SA de CV", "textiles del bajio"),
        ("Meridian Glove Industries Sdn. Bhd.", "meridian glove industries"),
        ("PT Kain Sejahtera Abadi Tbk", "kain sejahtera abadi"),
        ("OOO Severny Les", "severny les"),
        ("ООО «Северный Лес»", "severnyy les"),
        ("Rheinfeld Kunststoff GmbH & Co. KG", "rheinfeld kunststoff"),
        ("Silver Crane Fishing L.L.C.", "silver crane fishing"),
        ("Northwind Polysilicon, Inc.", "northwind polysilicon"),
        ("Delta Jute Mills Pvt. Ltd.", "delta jute mills"),
        ("Müller & Söhne", "muller and sohne"),
        ("江苏金莲服装有限公司", "江苏金莲服装"),
        # A legal form is never the whole name.
        ("Limited", "limited"),
        ("Co Ltd", "co"),
        ("  ", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_legal_forms_table_says_what_each_row_is():
    forms = legal_forms()
    assert list(forms.columns) == ["form", "position", "where", "meaning"]
    assert forms["form"].is_unique
    assert (forms[["form", "where", "meaning"]] != "").all().all()
    assert set(forms["position"]) <= {"prefix", "suffix", "any"}


def test_legal_form_does_not_hide_in_the_middle():
    # "Co" inside a name is part of the name.
    assert normalise_name("Co Op Textiles") == "co op textiles"


def test_levels_follow_thresholds():
    entries = _entries(
        [
            "Golden Lotus Garment Co Ltd",
            "Golden Textile Dyeing Mills",
            "Golden Harvest Foods",
        ]
    )
    suppliers = _suppliers(
        ["GOLDEN LOTUS GARMENT LIMITED", "Golden Textile Co", "Acme"]
    )
    result = screen(suppliers, entries)
    c = result.candidates
    expected = np.select(
        [c["score"] >= MATCH_THRESHOLD, c["score"] >= POTENTIAL_THRESHOLD],
        ["match", "potential"],
        "none",
    )
    assert c["level"].tolist() == expected.tolist()
    assert (c["score"] >= POTENTIAL_THRESHOLD).all()
    out = result.suppliers.set_index("supplier_id")
    assert out["watchlist_match"].to_dict() == {
        "S1": "match",
        "S2": "potential",
        "S3": "none",
    }
    assert out.loc["S2", "watchlist_entry_id"] == "E2"
    assert out.loc["S1", "watchlist_reason"] == "watchlist-match"
    assert out.loc["S3", "watchlist_reason"] == ""
    assert np.isnan(out.loc["S3", "watchlist_score"])
    assert out.loc["S1", "watchlist_source"] == "demo, entry E1, dated 2024-01-31"


def test_thresholds_are_parameters():
    entries = _entries(["Golden Textile Dyeing Mills"])
    suppliers = _suppliers(["Golden Textile Co"])
    strict = screen(suppliers, entries, potential_threshold=0.75).suppliers
    loose = screen(suppliers, entries, match_threshold=0.6).suppliers
    assert strict.loc[0, "watchlist_match"] == "none"
    assert loose.loc[0, "watchlist_match"] == "match"


def test_country_disagreement_sends_an_identical_name_to_review():
    entries = _entries(["Delta Jute Mills"] * 3, countries=[("BGD",), ("IND",), ()])
    entries["list"] = ["a", "b", "c"]
    suppliers = _suppliers(["Delta Jute Mills Ltd"], country=["Bangladesh"])
    c = screen(suppliers, entries).candidates.set_index("list")
    assert c["country"].to_dict() == {"a": "agree", "b": "differ", "c": "unknown"}
    assert c["score"].to_dict() == {"a": 1.0, "b": 0.75, "c": 1.0}
    assert c["level"].to_dict() == {"a": "match", "b": "potential", "c": "match"}


def test_identifier_match_regardless_of_name():
    entries = _entries(
        ["Completely Different Holding", "Other Name"],
        identifiers=[("5493001KJTIIGC8Y1R12",), ("12345",)],
    )
    suppliers = _suppliers(
        ["Acme Garments", "Beta Toys"],
        lei=["5493 001K-JTII GC8Y 1R12", ""],
        duns=["", "12345"],
    )
    out = screen(suppliers, entries).suppliers
    assert out.loc[
        0, ["watchlist_match", "watchlist_basis", "watchlist_score"]
    ].tolist() == [
        "match",
        "identifier",
        1.0,
    ]
    # Identifiers shorter than 6 characters collide across schemes: ignored.
    assert out.loc[0, "watchlist_entry_id"] == "E1"
    assert out.loc[1, "watchlist_match"] == "none"


def test_aliases_and_local_names_are_matched():
    entries = _entries(["Severnaya Zvezda", "Jade River Electronics"])
    entries.loc[1, "aliases"] = ("JRE Components",)
    suppliers = _suppliers(
        ["Northern Star Trading", "Acme"],
        local_name=["ООО «Северная Звезда»", ""],
        aliases=["", "Foo; JRE Components Ltd"],
    )
    c = screen(suppliers, entries).candidates
    assert c[
        ["supplier_id", "entry_id", "supplier_matched", "entry_matched"]
    ].values.tolist() == [
        ["S1", "E1", "ООО «Северная Звезда»", "Severnaya Zvezda"],
        ["S2", "E2", "JRE Components Ltd", "JRE Components"],
    ]


def test_inactive_entries_are_not_counted_but_said():
    entries = _entries(["Example Gloves Sdn Bhd"], active=[False], status=["revoked"])
    out = screen(_suppliers(["Example Gloves"]), entries).suppliers
    assert out.loc[0, "watchlist_match"] == "none"
    assert (
        out.loc[0, "watchlist_note"] == "not counted: Example Gloves Sdn Bhd (revoked)"
    )


def test_every_supplier_kept_in_order_and_row_order_does_not_matter():
    entries = _entries(["Golden Lotus Garment", "Ocean Star Fisheries", "Delta Jute"])
    names = [
        "Golden Lotus Garmnet",
        "",
        "Ocean Star Fisheries Co",
        "Acme",
        "Delta Jute",
    ]
    suppliers = _suppliers(names)
    out = screen(suppliers, entries)
    assert out.suppliers["supplier_id"].tolist() == suppliers["supplier_id"].tolist()
    assert out.issues[["row", "column", "code"]].values.tolist() == [
        [3, "name", "no-name"]
    ]
    shuffled = screen(suppliers.iloc[[4, 2, 0, 3, 1]], entries).suppliers
    pd.testing.assert_frame_equal(
        shuffled.set_index("supplier_id").sort_index(),
        out.suppliers.set_index("supplier_id").sort_index(),
    )


def test_chunking_does_not_change_results(monkeypatch):
    pairs = pd.read_csv(PAIRS, keep_default_na=False)
    suppliers = _suppliers(pairs["supplier_name"].tolist())
    entries = _entries(pairs["list_name"].tolist())
    whole = screen(suppliers, entries).candidates
    monkeypatch.setattr(screening, "_CHUNK_CELLS", 500)  # a few rows per chunk
    pd.testing.assert_frame_equal(screen(suppliers, entries).candidates, whole)


def test_missing_columns_are_refused():
    with pytest.raises(InputDataError, match="expected a supplier_id column"):
        screen(pd.DataFrame({"name": ["A"]}), _entries(["A"]))
    with pytest.raises(InputDataError, match="expected a name, local_name or aliases"):
        screen(pd.DataFrame({"supplier_id": ["S1"]}), _entries(["A"]))


def _quarter(tmp_path):
    entries = _entries(
        ["Golden Textile Dyeing Mills", "Sunrise Brick Works", "Ocean Pearl Fisheries"]
    )
    suppliers = _suppliers(["Golden Textile Co", "Sunrise", "Ocean Star Fisheries"])
    return suppliers, entries


def test_review_round_trip_and_decisions_reused(tmp_path):
    suppliers, entries = _quarter(tmp_path)
    first = screen(suppliers, entries)
    assert sorted(first.pending["supplier_id"]) == ["S1", "S2", "S3"]
    path = write_review(first, tmp_path / "review.csv")
    review = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(review.columns) == REVIEW_COLUMNS
    assert (review["decision"] == "").all()
    review["decision"] = review["supplier_id"].map(
        {"S1": "Confirm", "S2": "reject", "S3": ""}
    )
    review.to_csv(path, index=False)

    decisions = read_decisions(path)
    assert decisions.values.tolist() == [
        ["S1", "demo", "E1", "confirm"],
        ["S2", "demo", "E2", "reject"],
    ]
    # Next quarter: same suppliers and entries, decisions from the file.
    second = screen(suppliers, entries, decisions=path)
    out = second.suppliers.set_index("supplier_id")
    assert out["watchlist_match"].to_dict() == {
        "S1": "confirmed",
        "S2": "none",
        "S3": "potential",
    }
    assert out.loc["S2", "watchlist_note"] == (
        "not counted: Sunrise Brick Works (rejected in review)"
    )
    # Only the undecided pair is asked again; the file keeps the decided ones.
    assert second.pending["supplier_id"].tolist() == ["S3"]
    again = pd.read_csv(
        write_review(second, tmp_path / "review2.csv"), dtype=str, keep_default_na=False
    )
    assert again.set_index("supplier_id")["decision"].to_dict() == {
        "S1": "confirm",
        "S2": "reject",
        "S3": "",
    }
    pending_only = write_review(second, tmp_path / "r3.csv", include_decided=False)
    assert pd.read_csv(pending_only)["supplier_id"].tolist() == ["S3"]


def test_confirmation_stands_when_the_name_drifts(tmp_path):
    suppliers, entries = _quarter(tmp_path)
    decided = pd.DataFrame(
        {
            "supplier_id": ["S1"],
            "list": ["demo"],
            "entry_id": ["E3"],
            "decision": ["confirm"],
        }
    )
    out = screen(suppliers, entries, decisions=decided)
    row = out.candidates[out.candidates["entry_id"] == "E3"].iloc[0]
    assert (row["supplier_id"], row["level"], row["basis"]) == (
        "S1",
        "confirmed",
        "decision",
    )
    assert out.suppliers.loc[0, "watchlist_match"] == "confirmed"


def test_bad_decision_value_names_row_and_value(tmp_path):
    path = tmp_path / "review.csv"
    path.write_text(
        "supplier_id,supplier_name,list,entry_id,entry_name,score,decision\n"
        "S1,A,demo,E1,A,0.7,confirm\n"
        "S2,B,demo,E2,B,0.6,yes\n"
        "S3,C,demo,E3,C,0.6,\n"
        "S4,D,demo,E4,D,0.6,rejected?\n"
    )
    with pytest.raises(
        InputDataError,
        match=r"review.csv: expected decision confirm, reject or blank; got "
        r"row 3: 'yes', row 5: 'rejected\?'",
    ):
        read_decisions(path)


def test_conflicting_and_missing_decision_columns(tmp_path):
    both = tmp_path / "both.csv"
    both.write_text(
        "supplier_id,list,entry_id,decision\nS1,demo,E1,confirm\nS1,demo,E1,reject\n"
    )
    with pytest.raises(
        InputDataError, match=r"both confirmed and rejected \(rows 2, 3\)"
    ):
        read_decisions(both)
    bare = tmp_path / "bare.csv"
    bare.write_text("supplier_id,entry_id\nS1,E1\n")
    with pytest.raises(InputDataError, match="missing list, decision"):
        read_decisions(bare)


def test_later_decision_file_overrides_earlier(tmp_path):
    old, new = tmp_path / "q1.csv", tmp_path / "q2.csv"
    old.write_text("supplier_id,list,entry_id,decision\nS1,demo,E1,reject\n")
    new.write_text("supplier_id,list,entry_id,decision\nS1,demo,E1,confirm\n")
    assert read_decisions(old, new)["decision"].tolist() == ["confirm"]


def test_screen_files_of_both_formats(tmp_path):
    os_path = tmp_path / "targets.simple.csv"
    os_path.write_text(
        "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,"
        "phones,emails,dataset,first_seen,last_seen,last_change\n"
        "NK-1,Company,Jade River Electronics Co. Ltd.,,,cn,,,,,,demo,2023-05-01,,\n"
    )
    cbp_path = tmp_path / "wro.csv"
    cbp_path.write_text(
        "Country,Entity,Merchandise/Industry,Status,Effective Date\n"
        "Malaysia,Meridian Glove Industries Sdn Bhd,Gloves,Active,9/30/2021\n"
    )
    suppliers = _suppliers(
        ["JADE RIVER ELECTRONICS", "Meridian Glove Industries Berhad"],
        country=["CHN", "MYS"],
    )
    out = screen(suppliers, [read_watchlist(os_path), cbp_path]).suppliers
    assert out["watchlist_match"].tolist() == ["match", "match"]
    assert out["watchlist_list"].tolist() == ["opensanctions", "cbp-wro"]
    assert (
        out.loc[0, "watchlist_source"] == "opensanctions, entry NK-1, dated 2023-05-01"
    )
    assert out.loc[1, "watchlist_source"].endswith("dated 2021-09-30")


def _precision_recall(threshold):
    pairs = pd.read_csv(PAIRS, keep_default_na=False)
    n = len(pairs)
    found = screen(
        _suppliers(pairs["supplier_name"].tolist()),
        _entries(pairs["list_name"].tolist()),
        max_candidates=n,
    ).candidates
    own = found[found["supplier_id"].str[1:] == found["entry_id"].str[1:]]
    score = pd.Series(0.0, index=range(1, n + 1))
    score[own["supplier_id"].str[1:].astype(int).to_numpy()] = own["score"].to_numpy()
    hit = score.to_numpy() >= threshold
    true = pairs["label"].to_numpy() == 1
    return (hit & true).sum() / hit.sum(), (hit & true).sum() / true.sum()


def test_fixture_is_large_and_balanced():
    pairs = pd.read_csv(PAIRS, keep_default_na=False)
    assert len(pairs) >= 200
    assert set(pairs["label"]) == {0, 1}
    assert pairs["label"].mean() == pytest.approx(0.5, abs=0.1)
    assert {
        "legal-form",
        "transliteration",
        "typo",
        "word-order",
        "shared-word",
    } <= set(pairs["kind"])


@pytest.mark.parametrize(
    ("threshold", "min_precision", "min_recall"),
    [(MATCH_THRESHOLD, 0.85, 0.9), (POTENTIAL_THRESHOLD, 0.55, 0.97)],
)
def test_precision_recall_floor_on_the_fixture(threshold, min_precision, min_recall):
    precision, recall = _precision_recall(threshold)
    assert precision >= min_precision
    assert recall >= min_recall
