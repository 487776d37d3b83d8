from django.contrib import admin

from greenroom.organisation.kinds import KINDS

for _kind in KINDS:
    admin.site.register(
        _kind.model,
        type(
            f"{_kind.model.__name__}Admin",
            (admin.ModelAdmin,),
            {
                "list_display": tuple(a for _, a in _kind.columns if a != "people_count"),
                "search_fields": ("name",),
                "list_filter": ("workspace",),
                "list_select_related": _kind.related,
            },
        ),
    )
