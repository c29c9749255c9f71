"""Reading user-supplied entity lists: OpenSanctions and CBP WRO files."""

from __future__ import annotations

import pandas as pd
import pytest

from demandrisk.errors import DemandRiskError, InputDataError
from demandrisk.watchlist import ENTRY_COLUMNS, read_watchlist

OS_HEADER = (
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,"
    "phones,emails,dataset,first_seen,last_seen,last_change"
)


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def opensanctions(tmp_path):
    rows = [
        'NK-aaa,Company,Golden Lotus Garment Co. Ltd.,"Golden Lotus Textile;金莲服装",'
        ",cn;hk,,5493001KJTIIGC8Y1R12;91650000MA77,,,,demo_sanctions,"
        "2021-03-02T10:00:00,2024-01-01,2024-01-01",
        "NK-bbb,Company,Severny Les OOO,,,ru;zz,,,,,,demo_sanctions,2022-13-45,,",
        'NK-ccc,Company,,"Only Alias Trading",,,,,,,,demo_sanctions,,,',
        "NK-ddd,Company,,,,ae,,,,,,demo_sanctions,,,",
        "NK-aaa,Company,Duplicate Id Fishing,,,th,,,,,,demo_sanctions,,,",
    ]
    return _write(tmp_path, "targets.simple.csv", OS_HEADER + "\n" + "\n".join(rows))


@pytest.fixture
def cbp(tmp_path):
    # Header spellings as they vary between downloads: case, spaces, slashes.
    text = (
        "COUNTRY,Entity Name,Merchandise / Industry,STATUS,Effective date,"
        "Date Modified / Notes\n"
        "China,Example Silicon Industry Co. Ltd. (a.k.a. Example Silicon),Silica,"
        "Active,6/24/2021,\n"
        "Malaysia,Example Gloves Sdn Bhd,Disposable gloves,Revoked,9/30/2021,"
        "Revoked 2/2/2022\n"
        "Malaysia,Example Palm Berhad,Palm oil,Inactive,2020-12-30,\n"
        "Dominican Republic,Example Sugar Company,Sugar,Modified,11/23/2022,"
        "Modified 3/1/2023\n"
        "Turkmenistan,,Cotton,Active,5/18/2018,\n"
        "Brazil,Example Pig Iron Ltda,Pig iron,Pending,not a date,\n"
    )
    return _write(tmp_path, "wro.csv", text, encoding="cp1252")


def test_opensanctions_entries(opensanctions):
    wl = read_watchlist(opensanctions)
    assert wl.format == "opensanctions"
    assert list(wl.entries.columns) == ENTRY_COLUMNS
    first = wl.entries.iloc[0]
    assert first["aliases"] == ("Golden Lotus Textile", "金莲服装")
    assert first["countries"] == ("CHN", "HKG")
    assert first["identifiers"] == ("5493001KJTIIGC8Y1R12", "91650000MA77")
    assert (first["list"], first["date"], first["active"]) == (
        "opensanctions",
        "2021-03-02",
        True,
    )
    assert wl.entries["entry_id"].tolist() == ["NK-aaa", "NK-bbb", "NK-ccc", "NK-aaa-2"]
    # An entry known only by an alias is screened under it.
    assert wl.entries.loc[2, "name"] == "Only Alias Trading"
    # The unknown country is dropped from the tuple, not the entry.
    assert wl.entries.loc[1, "countries"] == ("RUS",)


def test_opensanctions_issues_name_every_problem(opensanctions):
    wl = read_watchlist(opensanctions)
    assert wl.issues[["row", "column", "code", "value"]].values.tolist() == [
        [3, "countries", "unknown-country", "zz"],
        [3, "first_seen", "bad-date", "2022-13-45"],
        [5, "name", "no-name", ""],
        [6, "id", "duplicate-id", "NK-aaa"],
    ]


def test_no_row_dropped_silently(opensanctions, cbp):
    for path in (opensanctions, cbp):
        wl = read_watchlist(path)
        dropped = wl.issues.loc[wl.issues["code"] == "no-name", "row"]
        assert wl.rows == len(wl.entries) + len(dropped)
        # Every data line of the file is either an entry or a no-name issue.
        lines = set(wl.entries["row"]) | set(dropped)
        assert lines == set(range(2, wl.rows + 2))


def test_cbp_headers_statuses_and_aliases(cbp):
    wl = read_watchlist(cbp)
    assert wl.format == "cbp-wro"
    got = wl.entries[["name", "countries", "status", "active", "date"]]
    assert got.values.tolist() == [
        ["Example Silicon Industry Co. Ltd.", ("CHN",), "active", True, "2021-06-24"],
        ["Example Gloves Sdn Bhd", ("MYS",), "revoked", False, "2021-09-30"],
        ["Example Palm Berhad", ("MYS",), "inactive", False, "2020-12-30"],
        ["Example Sugar Company", ("DOM",), "modified", True, "2022-11-23"],
        ["Example Pig Iron Ltda", ("BRA",), "pending", True, ""],
    ]
    assert wl.entries.loc[0, "aliases"] == ("Example Silicon",)
    assert wl.entries.loc[1, "note"].startswith("revoked: not in force")
    assert "Disposable gloves" in wl.entries.loc[1, "note"]
    assert wl.issues[["row", "column", "code"]].values.tolist() == [
        [6, "Entity Name", "no-name"],
        [7, "Effective date", "bad-date"],
        [7, "STATUS", "unknown-status"],
    ]
    assert "treated as active" in wl.issues.loc[2, "message"]


def test_cbp_entry_ids_survive_reordering(cbp, tmp_path):
    lines = cbp.read_text(encoding="cp1252").splitlines()
    reordered = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    again = read_watchlist(_write(tmp_path, "wro_next_quarter.csv", reordered))
    first = read_watchlist(cbp).entries.set_index("name")["entry_id"]
    second = again.entries.set_index("name")["entry_id"]
    pd.testing.assert_series_equal(first.sort_index(), second.sort_index())
    assert first.is_unique


def test_list_name_is_kept(cbp):
    assert set(read_watchlist(cbp, list_name="cbp-2026q4").entries["list"]) == {
        "cbp-2026q4"
    }


def test_unknown_format_is_refused_with_what_was_expected(tmp_path):
    path = _write(tmp_path, "suppliers.csv", "supplier_id,country,sector\nA,BGD,C14\n")
    with pytest.raises(InputDataError, match="suppliers.csv: not a list format") as e:
        read_watchlist(path)
    message = str(e.value)
    assert "targets.simple.csv" in message and "Withhold Release Orders" in message
    assert "got columns 'supplier_id', 'country', 'sector'" in message
    assert isinstance(e.value, DemandRiskError) and isinstance(e.value, ValueError)


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="Watchlist file not found"):
        read_watchlist(tmp_path / "nope.csv")


def test_semicolon_export_is_detected(tmp_path):
    text = (
        "Country;Entity;Industry;Status;Effective Date\n"
        "China;Example Co;Toys;Active;1/2/2020\n"
    )
    wl = read_watchlist(_write(tmp_path, "wro_semicolon.csv", text))
    assert (wl.format, wl.entries.loc[0, "name"]) == ("cbp-wro", "Example Co")
