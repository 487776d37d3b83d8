import factory

from greenroom.sources.choices import SourceKind
from greenroom.sources.models import Source, SyncRun
from greenroom.testing.factories import WorkspaceFactory


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"source-{n}")
    kind = SourceKind.COSTS


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    source = factory.SubFactory(SourceFactory)
    status = "rejected"
    rows_in = 3
    errors = factory.LazyFunction(
        lambda: [{"file": "costs.csv", "row": 3, "field": "amount", "reason": "not an amount: ten"}]
    )
    errors_total = 1
