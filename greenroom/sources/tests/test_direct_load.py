"""Event files with nothing to report load straight into raw.events (loader._load_direct);
anything to report sends the batch the staged way, which names it. Either way the outcome
is the same: these tests hold the direct way to what the staged way does."""

from pathlib import Path

from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.tests.conftest import make_source, query

TRACK = (
    '{{"type":"track","messageId":"{id}","userId":"u1","event":"{event}",'
    '"properties":{{"product":"insights"}},"context":{{"groupId":"acc_1"}},'
    '"timestamp":"2025-03-0{day}T10:00:00Z","receivedAt":"2025-03-0{day}T10:00:01Z"}}'
)
IDENTIFY = (
    '{"type":"identify","messageId":"id-1","userId":"u1","traits":{"plan":"team"},'
    '"timestamp":"2025-03-01T09:00:00Z"}'
)
POSTHOG_HEADER = "uuid,event,distinct_id,timestamp,created_at,properties"


def _track(number: int, event: str = "Report Viewed") -> str:
    return TRACK.format(id=f"trk-{number}", event=event, day=number % 9 + 1)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _errors(run) -> list[tuple]:
    return [(e["file"], e["row"], e["field"], e["reason"]) for e in run.errors]


def _batch_tables() -> list[tuple]:
    return query(
        "SELECT table_name, rows_in, rows_loaded, rows_rejected FROM meta.batches ORDER BY 1"
    )


def test_segment_track_calls_load_directly_with_exact_repeats_set_aside(workspace, files):
    tracks = [_track(n) for n in range(1, 6)]
    path = _write(files / "segment.jsonl", [*tracks, tracks[1], tracks[3]])
    source = make_source(workspace, "segment", path)
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert (run.rows_in, run.rows_loaded, run.rows_skipped) == (7, 5, 2)
    assert any("2 rows repeat an earlier row exactly" in notice for notice in run.notices)
    assert query("SELECT count(*), count(DISTINCT event_id), min(account_id) FROM raw.events") == [
        (5, 5, "acc_1")
    ]
    # Both of the connector's tables are recorded, as a staged batch records them.
    assert _batch_tables() == [("events", 7, 5, 0), ("identities", 7, 0, 0)]
    # A full resync replaces every row by id: nothing doubles.
    again = services.source_sync(source=source, full=True)
    assert again.status == RunStatus.SUCCEEDED, again.errors
    assert query("SELECT count(*), count(DISTINCT _batch) FROM raw.events") == [(5, 1)]


def test_segment_identify_calls_are_loaded_the_staged_way(workspace, files):
    path = _write(files / "segment.jsonl", [_track(1), IDENTIFY, _track(2)])
    run = services.source_sync(source=make_source(workspace, "segment", path))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert (run.rows_in, run.rows_loaded) == (3, 3)
    assert query("SELECT count(*) FROM raw.events") == [(2,)]
    assert query("SELECT message_id FROM raw.identities") == [("id-1",)]


def test_a_segment_row_failing_a_check_rejects_the_file_and_is_named(workspace, files):
    bad = _track(2).replace('"timestamp":"2025-03-03T10:00:00Z"', '"timestamp":"soon"')
    path = _write(files / "segment.jsonl", [_track(1), bad, _track(3)])
    run = services.source_sync(source=make_source(workspace, "segment", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [("segment.jsonl", 2, "timestamp", "not a timestamp: soon")]
    assert query("SELECT count(*) FROM raw.events") == [(0,)]


def test_a_segment_line_of_an_unknown_type_is_named(workspace, files):
    path = _write(files / "segment.jsonl", [_track(1), '{"type":"ping","messageId":"p"}'])
    run = services.source_sync(source=make_source(workspace, "segment", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [("segment.jsonl", 2, "type", "unknown call type ping")]
    assert query("SELECT count(*) FROM raw.events") == [(0,)]


def test_segment_repeats_with_different_content_are_named(workspace, files):
    lines = [_track(1), _track(2), _track(2, event="Report Printed")]
    path = _write(files / "segment.jsonl", lines)
    run = services.source_sync(source=make_source(workspace, "segment", path))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [
        (
            "segment.jsonl",
            3,
            "event_id",
            "duplicate id trk-2 with different content (first at row 2)",
        )
    ]


def _posthog_row(number: int, timestamp: str = "2025-03-01T10:00:00Z") -> str:
    properties = '"{""product"": ""insights"", ""$groups"": {""company"": ""acc_1""}}"'
    return f"ev-{number},Report Viewed,u1,{timestamp},2025-03-01T10:00:01Z,{properties}"


def test_posthog_csv_loads_directly_and_a_bad_row_is_named(workspace, files):
    rows = [_posthog_row(n) for n in range(1, 4)]
    path = _write(files / "events.csv", [POSTHOG_HEADER, *rows, rows[0]])
    source = make_source(workspace, "posthog", path)
    run = services.source_sync(source=source)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert (run.rows_in, run.rows_loaded, run.rows_skipped) == (4, 3, 1)
    assert query("SELECT count(*), min(account_id), min(product_key) FROM raw.events") == [
        (3, "acc_1", "insights")
    ]
    bad = _write(files / "bad.csv", [POSTHOG_HEADER, _posthog_row(9, timestamp="later")])
    run = services.source_sync(source=make_source(workspace, "posthog", bad, name="bad"))
    assert run.status == RunStatus.REJECTED
    assert _errors(run) == [("bad.csv", 2, "timestamp", "not a timestamp: later")]


def test_the_byte_scan_reads_lines_across_chunks_like_one_read(files, monkeypatch):
    from greenroom.sources.connectors import files as scanning

    long_line = b'{"note": "' + b"x" * 40 + b'"}'
    data = b"".join(
        [b'{"a": 1}\r\n', long_line, b"\n", b'{"b": "\xc3\xa9"}\n', b"\xff bad\n", b'{"c": 3']
    )
    path = files / "scan.jsonl"
    path.write_bytes(data)
    whole = scanning.scan(path, 0, has_header=False)
    # Chunks shorter than a line, and splitting the two bytes of "é" and "\r\n".
    for size in (3, 7, 11, 16):
        monkeypatch.setattr(scanning, "CHUNK", size)
        found = scanning.scan(path, 0, has_header=False)
        assert (found.end, found.lines, found.crlf, found.bad_lines) == (
            whole.end,
            whole.lines,
            whole.crlf,
            whole.bad_lines,
        )
        assert [str(e) for e in found.errors] == [str(e) for e in whole.errors]
    assert (whole.lines, whole.crlf, whole.bad_lines) == (4, 1, {4})
    assert whole.end == len(data) - len(b'{"c": 3')  # the unfinished last line is left
    assert "invalid UTF-8 byte 0xff at byte offset" in str(whole.errors[0])


def test_the_account_is_the_first_posthog_group_however_it_is_given(workspace, files):
    groups = {
        "ev-1": '{"company": "acme"}',
        "ev-2": '{"company": ["globex", "other"]}',
        "ev-3": '{"company": 12, "team": "t"}',
        "ev-4": '{"company": "a\\"b\\u00e9"}',
        "ev-5": '{"company": "[x"}',
        "ev-6": '{"company": {"id": 1}}',
        "ev-7": '"acme"',
        "ev-8": "{}",
        "ev-9": '{"company": null, "team": "t"}',
    }
    rows = [
        f'{uuid},Viewed,u1,2025-03-01T10:00:00Z,,"{{""product"": ""p"", ""$groups"": '
        + text.replace('"', '""')
        + '}"'
        for uuid, text in groups.items()
    ]
    path = _write(files / "events.csv", [POSTHOG_HEADER, *rows])
    run = services.source_sync(source=make_source(workspace, "posthog", path))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert dict(query("SELECT event_id, account_id FROM raw.events")) == {
        "ev-1": "acme",
        "ev-2": "globex",
        "ev-3": "12",
        "ev-4": 'a"bé',
        "ev-5": "[x",
        "ev-6": '{"id":1}',
        "ev-7": None,
        "ev-8": None,
        "ev-9": None,
    }
    assert query("SELECT count(*) FROM raw.events WHERE product_key = 'p'") == [(9,)]
