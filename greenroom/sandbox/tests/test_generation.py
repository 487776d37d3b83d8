"""The file worker writes the very files the generators write in this process."""

import filecmp
from datetime import UTC, date, datetime

import pyarrow.parquet as pq
import pytest

from greenroom.sandbox import crm, data_engine, feedback, generator
from greenroom.sandbox.generation import Anchors, SandboxFiles

ANCHORS = Anchors(now=datetime(2026, 11, 21, tzinfo=UTC), end=date(2026, 11, 20))


def test_the_worker_writes_what_the_generators_write(tmp_path):
    here = tmp_path / "here"
    organisation = generator.generate(out_dir=here, scale="small", seed=5)
    crm_files = crm.crm_generate(
        out_dir=here, scale="small", seed=5, organisation=organisation.organisation, now=ANCHORS.now
    )
    feedback.feedback_generate(out_dir=here, scale="small", seed=5, crm=crm_files, now=ANCHORS.now)
    data_engine.BusinessExportsWriter(
        out_dir=here, scale="small", seed=5, crm=crm_files, end=ANCHORS.end
    ).usage_exports()
    reported = []
    worker = SandboxFiles(
        out_dir=tmp_path / "worker", scale="small", seed=5, anchors=ANCHORS, report=reported.append
    )
    try:
        billing = worker.billing_exports()
        worker.usage_exports()
        assert worker.feedback_files().paths["zendesk"].parent == tmp_path / "worker"
    finally:
        worker.close()
    assert billing.end == ANCHORS.end
    assert [t.name for t in reported] == [
        "Files: billing (FX rates, Stripe)",
        "Files: usage, cost and headcount",
        "Files: feedback exports",
    ]
    written = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
    assert written == sorted(
        p.relative_to(tmp_path / "worker") for p in (tmp_path / "worker").rglob("*") if p.is_file()
    )
    for name in written:
        ours, theirs = here / name, tmp_path / "worker" / name
        if name.suffix == ".parquet":
            assert pq.read_table(ours).equals(pq.read_table(theirs)), name
        else:
            assert filecmp.cmp(ours, theirs, shallow=False), name


def test_a_failure_in_the_worker_is_raised_where_the_files_are_asked_for(tmp_path):
    (tmp_path / "business").write_text("a file where the business folder goes")
    worker = SandboxFiles(out_dir=tmp_path, scale="small", seed=5, anchors=ANCHORS)
    try:
        assert worker.crm_files().salesforce_accounts.exists()
        with pytest.raises(FileExistsError):
            worker.billing_exports()
    finally:
        worker.close()
