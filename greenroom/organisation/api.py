"""CRUD endpoints for every organisation kind, generated from the one description in kinds.py.

Related rows are given and returned by id (``product_line``: 3); names stay unique per
workspace so clients can also look rows up with ``?q=``.
"""

from typing import Any

from ninja import Body, Router, Schema, Status
from ninja.orm import create_schema
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination
from greenroom.organisation import selectors, services
from greenroom.organisation.kinds import KINDS, Kind

router = Router(tags=["organisation"])


def _schema_name(kind: Kind, suffix: str) -> str:
    return kind.model.__name__ + suffix


def _register(kind: Kind) -> None:
    # Related rows appear as ``<field>_id`` both ways, the name the In schemas get too.
    out_schema = create_schema(
        kind.model,
        name=_schema_name(kind, "Out"),
        fields=["id", *(name for name in kind.fields if name not in kind.references)],
        custom_fields=[(f"{name}_id", int | None, None) for name in kind.references],
    )
    in_schema = create_schema(kind.model, name=_schema_name(kind, "In"), fields=list(kind.fields))
    patch_schema = create_schema(
        kind.model,
        name=_schema_name(kind, "Patch"),
        fields=list(kind.fields),
        optional_fields="__all__",
    )
    base = f"/{kind.slug}"

    @router.get(
        base,
        response=list[out_schema],
        summary=f"List {kind.title.lower()}",
        operation_id=f"list_{kind.model.__name__.lower()}",
    )
    @paginate(LimitOffsetPagination)
    def list_rows(request: MemberRequest, q: str = ""):
        require(request, "view")
        return selectors.entity_list(workspace=request.workspace, kind=kind, search=q)

    @router.get(
        f"{base}/{{pk}}",
        response={200: out_schema, **errors(404)},
        summary=f"Get a {kind.singular}",
        operation_id=f"get_{kind.model.__name__.lower()}",
    )
    def get_row(request: MemberRequest, pk: int):
        require(request, "view")
        return selectors.entity_get(workspace=request.workspace, kind=kind, pk=pk)

    @router.post(
        base,
        response={201: out_schema, **errors(403)},
        summary=f"Create a {kind.singular}",
        operation_id=f"create_{kind.model.__name__.lower()}",
    )
    def create_row(request: MemberRequest, payload: in_schema):  # type: ignore[valid-type]
        require(request, "manage_organisation")
        return Status(201, _save(request, kind, payload.dict(exclude_unset=True), instance=None))

    @router.patch(
        f"{base}/{{pk}}",
        response={200: out_schema, **errors(403, 404)},
        summary=f"Update a {kind.singular}",
        operation_id=f"update_{kind.model.__name__.lower()}",
    )
    def update_row(request: MemberRequest, pk: int, payload: patch_schema):  # type: ignore[valid-type]
        require(request, "manage_organisation")
        instance = selectors.entity_get(workspace=request.workspace, kind=kind, pk=pk)
        return _save(request, kind, payload.dict(exclude_unset=True), instance=instance)

    @router.delete(
        f"{base}/{{pk}}",
        response={204: None, **errors(403, 404)},
        summary=f"Delete a {kind.singular}",
        operation_id=f"delete_{kind.model.__name__.lower()}",
    )
    def delete_row(request: MemberRequest, pk: int):
        require(request, "manage_organisation")
        instance = selectors.entity_get(workspace=request.workspace, kind=kind, pk=pk)
        services.entity_delete(
            actor=request.user, workspace=request.workspace, kind=kind, instance=instance
        )
        return Status(204, None)


def _save(request: MemberRequest, kind: Kind, data: dict[str, Any], instance):
    # The schema names related rows ``<field>_id``, as Django's attribute for the id does.
    by_field = {
        (name[:-3] if name[:-3] in kind.references else name): value for name, value in data.items()
    }
    resolved = services.references_by_id(workspace=request.workspace, kind=kind, data=by_field)
    return services.entity_save(
        actor=request.user,
        workspace=request.workspace,
        kind=kind,
        data=resolved,
        instance=instance,
    )


class OrganisationImportOut(Schema):
    # Named apart from the customers' import report: OpenAPI schemas share one namespace.
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    summary: str


@router.post(
    "/import",
    response={200: OrganisationImportOut, **errors(403)},
    summary="Import an organisation document",
    operation_id="import_organisation",
)
def import_document(request: MemberRequest, document: Body[dict[str, Any]]):
    """Create or update teams, people, the portfolio, regions, markets, segments and plans
    from one document (docs/import-formats.md). All or nothing; idempotent."""
    require(request, "manage_organisation")
    report = services.organisation_import(
        actor=request.user, workspace=request.workspace, document=document, source="request"
    )
    return {
        "created": report.counts("created"),
        "updated": report.counts("updated"),
        "unchanged": report.counts("unchanged"),
        "summary": report.summary(),
    }


for _kind in KINDS:
    _register(_kind)
