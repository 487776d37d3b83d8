"""The product ops scorecard page (every registered measure with its baseline, trend and
history, downloadable), the baselines product ops sets, and the monthly team pulse."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from greenroom import registry
from greenroom.accounts.permissions import ability_required, can
from greenroom.accounts.requests import MemberRequest
from greenroom.cadences import scorecard as data
from greenroom.cadences.forms import BaselineForm, PulseForm
from greenroom.lib.exports import Format, export_response

EXPORTS: dict[str, Format] = {"csv": "csv", "xlsx": "xlsx"}


def _lines(request: MemberRequest, *, measurable: bool = False) -> list[data.Line]:
    measures = [
        m
        for m in registry.entries(registry.Measure)
        if can(request, m.ability) and (m.compute is not None or not measurable)
    ]
    return data.lines(workspace=request.workspace, measures=measures)


@login_required
@ability_required("view")
def scorecard(request: MemberRequest) -> HttpResponseBase:
    lines = _lines(request)
    export = EXPORTS.get(request.GET.get("export", ""))
    if export is not None:
        return export_response(
            data.export_rows(lines),
            filename=f"scorecard-{timezone.localdate():%Y-%m-%d}",
            format=export,
        )
    context = {
        "measures": lines,
        "can_set_baselines": can(request, "set_scorecard_baselines"),
        "weeks": data.HISTORY_POINTS,
    }
    return render(request, "cadences/scorecard.html", context)


@login_required
@ability_required("set_scorecard_baselines")
def baselines(request: MemberRequest) -> HttpResponse:
    lines = _lines(request, measurable=True)
    form = BaselineForm(lines, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            for line in lines:
                data.baseline_set(
                    workspace=request.workspace,
                    actor=request.user,
                    measure_key=line.measure.key,
                    value=form.cleaned_data.get(line.measure.key),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Baselines saved.")
            return redirect("scorecard")
    return render(
        request,
        "cadences/scorecard_baselines.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@ability_required("answer_pulse")
def pulse(request: MemberRequest) -> HttpResponse:
    answer = data.pulse_answer_get(workspace=request.workspace, user=request.user)
    initial = (
        {"strategic_percent": answer.strategic_percent, "comment": answer.comment}
        if answer
        else None
    )
    form = PulseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data.pulse_answer(workspace=request.workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Thank you: your answer for this month is saved.")
            return redirect("cadences:pulse")
    context = {
        "form": form,
        "answer": answer,
        "month": timezone.localdate().replace(day=1),
        "share": data.pulse_strategic_share(workspace=request.workspace),
    }
    return render(request, "cadences/pulse.html", context, status=400 if form.errors else 200)
