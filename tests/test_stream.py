"""--chunksize: the chunked run writes exactly the in-memory run's output."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

import demandrisk
from demandrisk.errors import ConfigError
from demandrisk.io import write_table
from demandrisk.stream import score_csv


@pytest.fixture
def flat_file(tmp_path, example_frame):
    # A flat list (no buyer_id): every supplier is tier 1.
    frame = example_frame.drop(columns=["buyer_id"], errors="ignore").copy()
    frame.loc[0, "name"] = '=HYPERLINK("http://x")'
    path = tmp_path / "flat.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def chain_file(tmp_path, example_frame):
    """The example with its buyer_id links (tiers 1-3) and a duplicated id."""
    frame = example_frame.copy()
    frame.loc[len(frame) - 1, "supplier_id"] = frame.loc[0, "supplier_id"]
    path = tmp_path / "chain.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("chunksize", [50, 10_000])
def test_chunked_output_is_byte_identical_with_supply_chains(
    tmp_path, chain_file, chunksize
):
    expected = write_table(demandrisk.score(chain_file).scores, tmp_path / "mem.csv")
    issues = score_csv(
        chain_file, tmp_path / "chunks.csv", chunksize=chunksize, progress=False
    )
    assert (tmp_path / "chunks.csv").read_bytes() == expected.read_bytes()
    in_memory = demandrisk.score(chain_file).issues
    assert issues[["row", "column", "code"]].values.tolist() == (
        in_memory[["row", "column", "code"]].values.tolist()
    )
    scored = pd.read_csv(tmp_path / "chunks.csv")
    assert scored["supply_tier"].max() == 3  # chains crossed chunk borders


@pytest.mark.parametrize("chunksize", [1, 7, 10_000])
def test_chunked_output_is_byte_identical(tmp_path, flat_file, chunksize):
    expected = write_table(demandrisk.score(flat_file).scores, tmp_path / "mem.csv")
    issues = score_csv(
        flat_file, tmp_path / "chunks.csv", chunksize=chunksize, progress=chunksize == 7
    )
    assert (tmp_path / "chunks.csv").read_bytes() == expected.read_bytes()
    in_memory = demandrisk.score(flat_file).issues
    assert issues[["row", "column", "code"]].values.tolist() == (
        in_memory[["row", "column", "code"]].values.tolist()
    )


def test_duplicate_ids_are_found_across_chunks(tmp_path, flat_file):
    frame = pd.read_csv(flat_file, dtype=str, keep_default_na=False)
    frame.loc[len(frame) - 1, "supplier_id"] = frame.loc[0, "supplier_id"]
    frame.to_csv(flat_file, index=False)
    issues = score_csv(flat_file, tmp_path / "o.csv", chunksize=3, progress=False)
    dupes = issues[issues["code"] == "duplicate-id"]
    assert dupes["row"].tolist() == [len(frame) + 1]


def test_chunked_run_refuses_to_overwrite_input_and_bad_chunksize(flat_file):
    with pytest.raises(demandrisk.OutputError, match="over the input"):
        score_csv(flat_file, flat_file, chunksize=5, progress=False)
    with pytest.raises(ConfigError, match="chunksize"):
        score_csv(flat_file, flat_file.with_name("o.csv"), chunksize=0)


def test_cli_chunksize(run_cli, tmp_path, flat_file):
    done = run_cli("score", flat_file, "-o", tmp_path / "out.csv", "--chunksize", "4")
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(tmp_path / "out.csv")) == len(pd.read_csv(flat_file))


def test_chunked_run_with_an_edge_file_matches_the_in_memory_run(
    tmp_path, chain_file, example_frame
):
    # A second customer for two tier-2 suppliers, given as an edge file: the
    # chain must use it in chunks exactly as in memory (it used to be dropped).
    tier2 = example_frame[example_frame["tier"].astype(str) == "2"]
    tier1 = example_frame[example_frame["tier"].astype(str) == "1"]
    edges = pd.DataFrame(
        {
            "supplier_id": tier2["supplier_id"].iloc[:2].to_numpy(),
            "buyer_id": tier1["supplier_id"].iloc[-2:].to_numpy(),
        }
    )
    edge_path = tmp_path / "edges.csv"
    edges.to_csv(edge_path, index=False)
    options = {"edges": edge_path, "sourcing_countries": ["IND", "BGD"]}
    in_memory = demandrisk.score(chain_file, **options)
    expected = write_table(in_memory.scores, tmp_path / "mem.csv")
    without_edges = write_table(
        demandrisk.score(chain_file).scores, tmp_path / "no.csv"
    )
    assert expected.read_bytes() != without_edges.read_bytes()  # edges matter here
    score_csv(
        chain_file, tmp_path / "chunks.csv", chunksize=40, progress=False, **options
    )
    assert (tmp_path / "chunks.csv").read_bytes() == expected.read_bytes()
    # The spilled chunks are gone: only the inputs and the two outputs remain.
    leftovers = {p.name for p in tmp_path.iterdir()}
    assert leftovers == {"chain.csv", "edges.csv", "mem.csv", "no.csv", "chunks.csv"}


def test_buyers_written_as_null_are_the_company_in_chunks_too(tmp_path, chain_file):
    # "null", "n.a." and "--" mean "supplies the company" in memory; the
    # whole-file check of a chunked run used a narrower list and flagged them.
    frame = pd.read_csv(chain_file, dtype=str, keep_default_na=False)
    tier1 = frame.index[frame["buyer_id"] == ""]
    for position, blank in zip(tier1[:3], ["null", "n.a.", "--"], strict=True):
        frame.loc[position, "buyer_id"] = blank
    frame.to_csv(chain_file, index=False)
    in_memory = demandrisk.score(chain_file)
    expected = write_table(in_memory.scores, tmp_path / "mem.csv")
    issues = score_csv(
        chain_file, tmp_path / "chunks.csv", chunksize=25, progress=False
    )
    assert "unknown-buyer" not in set(issues["code"])
    assert (tmp_path / "chunks.csv").read_bytes() == expected.read_bytes()


def test_outputs_get_the_usual_permissions(tmp_path, flat_file):
    # mkstemp makes 0600 files; an output must be readable as the umask says.
    mask = os.umask(0o022)
    try:
        write_table(demandrisk.score(flat_file).scores, tmp_path / "mem.csv")
        score_csv(flat_file, tmp_path / "chunks.csv", chunksize=100, progress=False)
    finally:
        os.umask(mask)
    for name in ("mem.csv", "chunks.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_cli_chunksize_uses_the_edge_file(run_cli, tmp_path, chain_file, example_frame):
    tier2 = example_frame[example_frame["tier"] == "2"]["supplier_id"]
    tier1 = example_frame[example_frame["tier"] == "1"]["supplier_id"]
    pd.DataFrame(
        {"supplier_id": tier2.iloc[:2].to_numpy(), "buyer_id": tier1.iloc[-2:]}
    ).to_csv(tmp_path / "edges.csv", index=False)
    common = ["--edges", tmp_path / "edges.csv"]
    whole = run_cli("score", chain_file, "-o", tmp_path / "mem.csv", *common)
    assert whole.returncode == 0, whole.stderr
    chunked = run_cli(
        "score", chain_file, "-o", tmp_path / "chunks.csv", "--chunksize", "60", *common
    )
    assert chunked.returncode == 0, chunked.stderr
    assert (tmp_path / "chunks.csv").read_bytes() == (tmp_path / "mem.csv").read_bytes()


def test_csv_slices_do_not_change_the_bytes(tmp_path, monkeypatch, example_result):
    import demandrisk.io as dio

    scores = example_result.scores.copy()
    # A text column empty in most slices: Arrow sees a null column there.
    scores["note"] = pd.Series([None] * len(scores), dtype=object)
    scores.loc[len(scores) - 1, "note"] = "last, quoted"
    dio.write_csv(scores, tmp_path / "whole.csv")
    monkeypatch.setattr(dio, "CSV_SLICE_ROWS", 7)
    dio.write_csv(scores, tmp_path / "sliced.csv")
    assert (tmp_path / "sliced.csv").read_bytes() == (
        tmp_path / "whole.csv"
    ).read_bytes()
    assert (tmp_path / "sliced.csv").read_bytes().count(b"\n") == len(scores) + 1


def test_a_failed_chunked_run_keeps_the_earlier_output(
    tmp_path, flat_file, monkeypatch
):
    import demandrisk.scoring as scoring

    output = tmp_path / "out.csv"
    output.write_text("earlier output\n", encoding="utf-8")
    real_score, calls = scoring.score, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-run
        return real_score(*args, **kwargs)

    monkeypatch.setattr(scoring, "score", failing)
    with pytest.raises(KeyboardInterrupt):
        score_csv(flat_file, output, chunksize=50, progress=False)
    assert output.read_text(encoding="utf-8") == "earlier output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat.csv", "out.csv"]


def test_progress_bar_counts_rows_not_rows_times_passes(
    tmp_path, example_frame, monkeypatch
):
    """Issue 12 item 13: the --chunksize bar's total is the file's rows."""
    import tqdm

    totals: list[int] = []
    real = tqdm.tqdm

    def spy(*args, **kwargs):
        bar = real(*args, **{**kwargs, "disable": True})
        totals.append(kwargs.get("total"))
        return bar

    monkeypatch.setattr(tqdm, "tqdm", spy)
    path = tmp_path / "in.csv"
    example_frame.to_csv(path, index=False)
    score_csv(path, tmp_path / "out.csv", chunksize=50, progress=True)
    assert totals == [len(example_frame)]
